import 'server-only';
import sql, { empty } from 'sql-template-tag';
import type { ConsentChange, ConsentSink } from '../klaviyo-next/webhooks/types';
import { recordConsent } from './customer-consent';
import type { StoreDeps } from './deps';

/**
 * The customers a change Klaviyo reported is about. Email: the customer of that email. SMS: every
 * customer whose SMS consent names the phone, and for a refusal also every customer whose phone it
 * is (checkout keeps the phone typed with an order, and a phone may have been typed by more than
 * one customer), plus the customer of the email when Klaviyo's profile carries one. A change for nobody the store knows is not stored:
 * the store mirrors its own customers' consent, not Klaviyo's whole account.
 */
async function customersOf(
  deps: Pick<StoreDeps, 'db'>,
  change: ConsentChange,
): Promise<{ id: string; email: string; phone: string | null }[]> {
  const email = change.email?.toLowerCase() ?? null;
  if (change.channel === 'email') {
    if (!email) return [];
    return deps.db.query(sql`SELECT id, email, phone FROM store_customers WHERE email = ${email}`);
  }
  const phone = change.phone ?? null;
  // A refusal reaches everyone who typed the phone; a subscribe only those whose SMS consent names it
  // (typing a number at checkout is no consent, so Klaviyo's subscribe of it is not hers to mirror).
  const typedIt = change.status === 'subscribed' ? empty : sql`OR phone = ${phone}`;
  return deps.db.query(sql`SELECT id, email, phone FROM store_customers
    WHERE email = ${email}
      OR id IN (SELECT customer_id FROM store_customer_consent WHERE channel = 'sms' AND address = ${phone})
      ${typedIt}
    ORDER BY id`);
}

/**
 * The store's side of the webhook receiver (the plugin's ConsentSink, lib/klaviyo-next/webhooks):
 * an unsubscribe, an SMS STOP, a suppression, a lifted suppression or a resubscribe Klaviyo reported
 * is recorded on each customer it names, unless the record holds a newer change. Idempotent: the
 * receiver may call it again after a crash, and a change applied once is then simply older-or-equal.
 * A database failure throws, and the receiver retries the item later.
 */
export function storeConsentSink(deps: Pick<StoreDeps, 'db' | 'now' | 'log'>): ConsentSink {
  return async (change) => {
    const at = Date.parse(change.at);
    if (!Number.isFinite(at)) throw new TypeError(`consent change ${change.externalId}: at is not a time`);
    const customers = await customersOf(deps, change);
    if (customers.length === 0) {
      deps.log('consent.unknown_customer', { externalId: change.externalId, channel: change.channel });
      return;
    }
    for (const customer of customers) {
      const address = change.channel === 'email' ? customer.email : (change.phone ?? customer.phone);
      if (!address) {
        deps.log('consent.no_address', { externalId: change.externalId, customerId: customer.id });
        continue;
      }
      const applied = await deps.db.transaction((tx) =>
        recordConsent(tx, {
          customerId: customer.id,
          channel: change.channel,
          status: change.status,
          source: 'klaviyo',
          method: change.method,
          address,
          externalId: change.externalId,
          at,
          now: deps.now(),
        }),
      );
      deps.log(applied ? 'consent.applied' : 'consent.older_ignored', {
        externalId: change.externalId,
        customerId: customer.id,
        channel: change.channel,
        status: change.status,
      });
    }
  };
}
