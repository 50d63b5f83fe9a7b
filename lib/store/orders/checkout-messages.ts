import { consentMessage, eventMessage, type OutboxMessage, profileMessage } from '../../outbox/types';
import { consentChange } from '../../tracking/consent';
import type { ProfileIdentity } from '../../tracking/identity';
import { orderedProducts, placedOrder } from '../../tracking/orders';
import type { ConsentDisclosure } from '../consent-disclosures';
import type { Log } from '../deps';
import { orderSnapshot } from './snapshot';
import type { OrderRecord } from './types';

export interface CheckoutFacts {
  order: OrderRecord;
  identity: ProfileIdentity;
  lifetimeOrders: number;
  consent: { email?: ConsentDisclosure; sms?: ConsentDisclosure };
  listId?: string;
}

/**
 * Everything Klaviyo should learn from one checkout: Placed Order, one Ordered Product per line
 * (Klaviyo's recommended e-commerce events), the profile's names, location and order count, and each
 * consent given, with the exact text shown and the time of the order.
 */
export function checkoutMessages(facts: CheckoutFacts, log: Log): OutboxMessage[] {
  const { order, identity } = facts;
  const snapshot = orderSnapshot(order);
  const ship = order.shippingAddress;
  const messages = [
    eventMessage(placedOrder(snapshot, identity)),
    ...orderedProducts(snapshot, identity).map(eventMessage),
    profileMessage(`order:${order.id}`, {
      profile: identity,
      // Custom properties are prefixed so they never collide with Klaviyo's own ($-prefixed) ones.
      properties: { 'NW Lifetime Orders': facts.lifetimeOrders, 'NW Last Order ID': order.id },
      location: {
        address1: ship.address1,
        address2: ship.address2,
        city: ship.city,
        region: ship.region,
        zip: ship.zip,
        country: ship.country,
      },
    }),
  ];
  const common = { status: 'SUBSCRIBED' as const, consentedAt: snapshot.placedAt, source: 'Checkout' };
  const listId = facts.listId ? { listId: facts.listId } : {};
  const { email, sms } = facts.consent;
  if (email && identity.email) {
    messages.push(
      consentMessage(
        consentChange({
          ...common,
          ...listId,
          channel: 'email',
          profile: { email: identity.email },
          disclosure: email,
        }),
      ),
    );
  }
  if (sms && !identity.phone_number) {
    log('checkout.sms_consent_skipped', {
      orderId: order.id,
      reason: 'no valid phone number to consent with',
    });
  } else if (sms && identity.phone_number) {
    const profile = {
      phone_number: identity.phone_number,
      ...(identity.email ? { email: identity.email } : {}),
    };
    messages.push(
      consentMessage(consentChange({ ...common, ...listId, channel: 'sms', profile, disclosure: sms })),
    );
  }
  return messages;
}
