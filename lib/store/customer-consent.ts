import 'server-only';
import sql, { raw } from 'sql-template-tag';
import type { SqlExecutor } from '../klaviyo-next/sql/types';

/**
 * The store's marketing consent record: one row per customer and channel (store migration 210),
 * written by the store's own pages (checkout, sign-up, preferences, admin) and by Klaviyo's webhooks
 * (customer-consent-sink.ts). Whichever change was made last, where it was made, wins: `at` is that
 * moment, and a change older than the one recorded is ignored, so a webhook that arrives late (or
 * twice) never undoes a newer choice.
 */
export type ConsentChannel = 'email' | 'sms';
export type StoredConsentStatus = 'subscribed' | 'unsubscribed' | 'suppressed';

/** Where a change was made: the store's pages, or Klaviyo (a webhook). */
export type ConsentSource = 'checkout' | 'sign-up' | 'preferences' | 'admin' | 'klaviyo';

export interface ConsentRecord {
  channel: ConsentChannel;
  status: StoredConsentStatus;
  source: string;
  method: string | null;
  /** The email or phone the consent names. */
  address: string;
  at: number;
}

export interface ConsentWrite {
  customerId: string;
  channel: ConsentChannel;
  /**
   * `unsuppressed` (Klaviyo lifted a suppression) is no consent: a suppressed or unsubscribed record
   * becomes unsubscribed, a subscribed one stays subscribed (a store only re-subscribes on a new,
   * explicit consent).
   */
  status: StoredConsentStatus | 'unsuppressed';
  source: ConsentSource;
  method?: string;
  address: string;
  /** The webhook item's external_id, when Klaviyo reported the change. */
  externalId?: string;
  /** When the change was made (epoch ms). */
  at: number;
  now: number;
}

/**
 * Records a change unless the record already holds a newer one (or this very one: applying a change
 * twice changes nothing). One statement, so two changes for one customer racing on Postgres (READ
 * COMMITTED re-checks the WHERE on the row it waited for) or SQLite end with the newer one whatever
 * order they commit in. At the same instant (for Klaviyo's changes, the same second) a refusal beats
 * a subscribe. Returns the status now recorded when this change was applied, undefined when it was
 * ignored.
 */
export async function recordConsent(
  tx: SqlExecutor,
  change: ConsentWrite,
): Promise<StoredConsentStatus | undefined> {
  const inserted = change.status === 'unsuppressed' ? 'unsubscribed' : change.status;
  // Klaviyo gives an event's datetime in whole seconds; the store keeps milliseconds. A change from
  // Klaviyo is compared in whole seconds (integer division on both backends), so an unsubscribe made
  // in the same second as a checkout's consent is a tie, and the refusal wins, rather than "older".
  // A literal, not a parameter: SQLite would take a bound number as REAL and divide exactly.
  const unit = raw(change.source === 'klaviyo' ? '1000' : '1');
  const [row] = await tx.query<{ status: StoredConsentStatus }>(sql`
    INSERT INTO store_customer_consent
      (customer_id, channel, status, source, method, address, external_id, at, updated_at)
    VALUES (${change.customerId}, ${change.channel}, ${inserted}, ${change.source}, ${change.method ?? null},
      ${change.address}, ${change.externalId ?? null}, ${change.at}, ${change.now})
    ON CONFLICT (customer_id, channel) DO UPDATE SET
      status = CASE WHEN ${change.status} = 'unsuppressed' AND store_customer_consent.status = 'subscribed'
        THEN 'subscribed' ELSE excluded.status END,
      source = excluded.source, method = excluded.method, address = excluded.address,
      external_id = excluded.external_id, at = excluded.at, updated_at = excluded.updated_at
    WHERE excluded.at / ${unit} > store_customer_consent.at / ${unit}
      OR (excluded.at / ${unit} = store_customer_consent.at / ${unit}
        AND store_customer_consent.status = 'subscribed'
        AND excluded.status <> 'subscribed' AND ${change.status} <> 'unsuppressed')
    RETURNING status`);
  return row?.status;
}

/** A customer's consent records, by channel (a channel never changed has none). */
export async function consentOf(
  q: SqlExecutor,
  customerId: string,
): Promise<Partial<Record<ConsentChannel, ConsentRecord>>> {
  const rows = await q.query<ConsentRecord & { at: number | string }>(
    sql`SELECT channel, status, source, method, address, at FROM store_customer_consent WHERE customer_id = ${customerId}`,
  );
  return Object.fromEntries(rows.map((r) => [r.channel, { ...r, at: Number(r.at) }]));
}
