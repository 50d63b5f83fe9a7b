import { consentChange } from '../../klaviyo-next/events/consent';
import type { ProfileIdentity } from '../../klaviyo-next/events/identity';
import { orderMessages } from '../../klaviyo-next/outbox/lifecycle';
import { consentMessage, type OutboxMessage, profileMessage } from '../../klaviyo-next/outbox/types';
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
 * Who a guest's order is about in Klaviyo: the email and exchange id given for it, without the phone.
 * Every profile Klaviyo is sent, an event's included, is an upsert: a typed phone beside a typed email
 * would be set on the profile that email resolves to (a stranger's, if the email is hers), and a later
 * phone-only SMS sign-up would then subscribe her profile and send her texts to the typer.
 */
export function guestOrderIdentity({ phone_number: _typed, ...rest }: ProfileIdentity): ProfileIdentity {
  return rest;
}

/**
 * Everything Klaviyo should learn from one checkout: Placed Order, one Ordered Product per line
 * (Klaviyo's recommended e-commerce events), the profile's names, location and order count, and each
 * consent given, with the exact text shown and the time of the order.
 *
 * Who may be joined to whom: a checkout proves nothing about the email or the phone typed into it
 * (anyone can type a stranger's email beside their own phone). So
 * - the events and the profile write (names, location, order count) name the order's email and the
 *   browser's exchange id, never the typed phone (`guestOrderIdentity`). The phone stays with the
 *   order in the store, and in the events' address properties, which identify nobody;
 * - each consent names its own identifier: email consent the email, SMS consent the phone alone, so
 *   the SMS subscription lands on the profile Klaviyo already ties to that phone, or a new one.
 * A store that knows the shopper's email is verified (a signed-in account) could record more;
 * checkout here treats every order as a guest's.
 */
export function checkoutMessages(facts: CheckoutFacts, log: Log): OutboxMessage[] {
  const { order, identity } = facts;
  const profile = guestOrderIdentity(identity);
  const snapshot = orderSnapshot(order);
  const ship = order.shippingAddress;
  const messages = [
    ...orderMessages.placed(snapshot, profile),
    profileMessage(`order:${order.id}`, {
      profile,
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
    const phoneOnly = { phone_number: identity.phone_number };
    messages.push(
      consentMessage(
        consentChange({ ...common, ...listId, channel: 'sms', profile: phoneOnly, disclosure: sms }),
      ),
    );
  }
  return messages;
}
