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

/** The identity for the profile write: the typed phone stays on the order's events only. */
function withoutPhone({ phone_number: _typed, ...rest }: ProfileIdentity): ProfileIdentity {
  return rest;
}

/**
 * Everything Klaviyo should learn from one checkout: Placed Order, one Ordered Product per line
 * (Klaviyo's recommended e-commerce events), the profile's names, location and order count, and each
 * consent given, with the exact text shown and the time of the order.
 *
 * Who may be joined to whom: a checkout proves nothing about the email or the phone typed into it
 * (anyone can type a stranger's email beside their own phone). So
 * - the events carry the identity given for the order (email, phone, exchange id): they describe
 *   this order, and the store keeps the same facts on the order itself;
 * - the profile write (names, location, order count) names the order's email and the browser's
 *   exchange id, never the phone: `create_or_update_profile` would otherwise set the typed phone on
 *   the profile the typed email resolves to;
 * - each consent names its own identifier: email consent the email, SMS consent the phone alone.
 * A store that knows the shopper's email is verified (a signed-in account) may record more; checkout
 * here treats every order as a guest's.
 */
export function checkoutMessages(facts: CheckoutFacts, log: Log): OutboxMessage[] {
  const { order, identity } = facts;
  const snapshot = orderSnapshot(order);
  const ship = order.shippingAddress;
  const messages = [
    eventMessage(placedOrder(snapshot, identity)),
    ...orderedProducts(snapshot, identity).map(eventMessage),
    profileMessage(`order:${order.id}`, {
      profile: withoutPhone(identity),
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
    const profile = { phone_number: identity.phone_number };
    messages.push(
      consentMessage(consentChange({ ...common, ...listId, channel: 'sms', profile, disclosure: sms })),
    );
  }
  return messages;
}
