import 'server-only';
import sql from 'sql-template-tag';
import { consentChange } from '../klaviyo-next/events/consent';
import { consentMessage } from '../klaviyo-next/outbox/types';
import type { SqlExecutor } from '../klaviyo-next/sql/types';
import type { ConsentDisclosure } from './consent-disclosures';
import { type ConsentChannel, type ConsentSource, recordConsent } from './customer-consent';
import type { StoreDeps } from './deps';

/** Klaviyo `custom_source` per store page, as the store's other consent messages name theirs. */
const KLAVIYO_SOURCE: Record<Exclude<ConsentSource, 'klaviyo'>, string> = {
  checkout: 'Checkout',
  'sign-up': 'Account page',
  preferences: 'Preferences page',
  admin: 'Store admin',
};

export interface StoreConsentChange {
  customerId: string;
  channel: ConsentChannel;
  status: 'subscribed' | 'unsubscribed';
  source: Exclude<ConsentSource, 'klaviyo'>;
  /** The email (email channel) or E.164 phone (SMS) the consent names. */
  address: string;
  /** The text the shopper agreed to; a subscribe needs it (the consent is explicit). */
  disclosure?: ConsentDisclosure;
}

/**
 * A consent change made in the store: recorded on the customer and, in the same transaction, put in
 * the outbox for Klaviyo (a subscribe with the disclosure text shown and the newsletter list, an
 * unsubscribe global, without a list: bulk_unsubscribe_profiles with a list only leaves that list).
 * The message names the one identifier the consent is for (events/consent.ts), never the other.
 *
 * The record is written first: its upsert locks her consent row, so two changes for her (this page,
 * the admin, a checkout) run one after the other, and the one that finds a newer change recorded
 * sends nothing; what Klaviyo is told last is what her record says. Returns whether it was applied.
 */
export async function changeConsentInStore(
  tx: SqlExecutor,
  deps: Pick<StoreDeps, 'outbox' | 'newsletterListId'>,
  change: StoreConsentChange,
  now: number,
): Promise<boolean> {
  if (change.status === 'subscribed' && !change.disclosure)
    throw new TypeError('a subscribe made in the store needs the disclosure text the shopper agreed to');
  if (!(await recordConsent(tx, { ...change, at: now, now }))) return false;
  const subscribe = change.status === 'subscribed';
  const message = consentMessage(
    consentChange({
      channel: change.channel,
      status: subscribe ? 'SUBSCRIBED' : 'UNSUBSCRIBED',
      profile: change.channel === 'email' ? { email: change.address } : { phone_number: change.address },
      consentedAt: new Date(now).toISOString(),
      source: KLAVIYO_SOURCE[change.source],
      ...(subscribe && change.disclosure ? { disclosure: change.disclosure } : {}),
      ...(subscribe && deps.newsletterListId ? { listId: deps.newsletterListId } : {}),
    }),
  );
  await deps.outbox.enqueue(tx, [message], now);
  return true;
}

/**
 * Records the consent a checkout's (or sign-up's) boxes gave; their messages go with the order's
 * (checkout-messages.ts) or the account's. A box left empty records nothing: her record, an
 * unsubscribe included, stays as it is.
 */
export async function recordCheckoutConsent(
  tx: SqlExecutor,
  customerId: string,
  given: { email?: string; sms?: string },
  now: number,
  source: 'checkout' | 'sign-up' = 'checkout',
): Promise<void> {
  for (const channel of ['email', 'sms'] as const) {
    const address = given[channel];
    if (!address) continue;
    await recordConsent(tx, { customerId, channel, status: 'subscribed', source, address, at: now, now });
  }
}

/** The address a channel's unsubscribe names: what her record names, or her email or phone. */
export async function consentAddress(
  q: SqlExecutor,
  customerId: string,
  channel: ConsentChannel,
): Promise<string | undefined> {
  const [row] = await q.query<{ email: string; phone: string | null; address: string | null }>(sql`
    SELECT c.email, c.phone, k.address FROM store_customers c
    LEFT JOIN store_customer_consent k ON k.customer_id = c.id AND k.channel = ${channel}
    WHERE c.id = ${customerId}`);
  if (!row) return undefined;
  if (channel === 'email') return row.email;
  return row.address ?? row.phone ?? undefined;
}
