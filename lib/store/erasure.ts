import 'server-only';
import { randomUUID } from 'node:crypto';
import sql, { join } from 'sql-template-tag';
import { eraseFromOutbox, type OutboxErasure, withSecureDelete } from '../klaviyo-next/erasure';
import { fieldErrorOf } from '../klaviyo-next/http/field-error';
import type { SqlExecutor } from '../klaviyo-next/sql/types';
import type { StoreDeps } from './deps';
import { merchantErasureInput, shopperErasureInput } from './erasure-input';
import { type ActionResult, asResult, StoreError } from './result';
import { retryOnConflict } from './retry-conflict';

export type ErasureRequester = 'merchant' | 'shopper';

/** What an erasure answers: its id (the audit record's) and what it removed, counted. */
export interface ErasureReport {
  erasureId: string;
  customerId: string;
  /** True when she had been erased before: nothing was done again. */
  alreadyErased: boolean;
  counts: StoreErasureCounts & Omit<OutboxErasure, 'erasureId' | 'dueAt'>;
}

interface StoreErasureCounts {
  orders: number;
  sessions: number;
  credentials: number;
  emailProofs: number;
  orderAccess: number;
  carts: number;
  consentRecords: number;
  subscriptionsCancelled: number;
  /** Other rows (another customer's, another order) that held her phone: the phone is removed. */
  otherRowsWithHerPhone: number;
}

const empty = <T>(list: readonly T[], fn: () => Promise<number>) => (list.length ? fn() : Promise.resolve(0));

/** Rows a statement changed, from its RETURNING rows. */
async function changed(tx: SqlExecutor, query: ReturnType<typeof sql>): Promise<number> {
  return (await tx.query(query)).length;
}

/**
 * Erases one customer, in one transaction (run again once if Postgres reports a deadlock):
 *
 * 1. her customer row is locked first (an UPDATE), so two erasures of her, or an erasure and her
 *    checkout, take turns: the second erasure finds her erased and does nothing; a checkout that
 *    committed first has its order erased with the rest, one that waits finds her email free and
 *    starts a new customer (a new, later purchase);
 * 2. every email and phone she is known by is gathered: her row, her orders' phones, her consent
 *    records' addresses;
 * 3. the store's copies go: credentials, sessions, email proofs, order access grants, her carts'
 *    email, her consent records, the personal fields of her orders (email, phone, names, addresses,
 *    cancel reason; amounts and lines stay for the books), her active subscriptions are cancelled
 *    (nobody left to charge), and her phone on any other row; her customer row stays as a tombstone
 *    (her orders point at it) without email, phone or names;
 * 4. the plugin drops every outbox message naming her and enqueues the request_profile_deletion
 *    (lib/klaviyo-next/erasure), in the same transaction;
 * 5. an audit row in store_erasures, without personal data.
 * On SQLite the transaction runs with secure_delete and is followed by a checkpoint, so the file
 * keeps no copy either (withSecureDelete).
 */
export async function eraseCustomer(
  deps: StoreDeps,
  customerId: string,
  requestedBy: ErasureRequester,
): Promise<ActionResult<ErasureReport>> {
  const result = await asResult(async () => {
    const { result } = await withSecureDelete(deps.db, () =>
      retryOnConflict(() =>
        deps.db.transaction((tx) => eraseInTransaction(tx, deps, customerId, requestedBy)),
      ),
    );
    return result;
  });
  if (result.ok && !result.data.alreadyErased) {
    deps.log('store.customer_erased', {
      erasureId: result.data.erasureId,
      customerId,
      requestedBy,
    });
    deps.scheduleDelivery();
  }
  return result;
}

async function eraseInTransaction(
  tx: SqlExecutor,
  deps: StoreDeps,
  customerId: string,
  requestedBy: ErasureRequester,
): Promise<ErasureReport> {
  const now = deps.now();
  // The lock: every other writer of her row (checkout's upsert, another erasure) waits from here.
  const [customer] = await tx.query<{ email: string; phone: string | null; erased_at: number | null }>(
    sql`UPDATE store_customers SET updated_at = ${now} WHERE id = ${customerId} RETURNING email, phone, erased_at`,
  );
  if (!customer) throw new StoreError('No such customer.', 'customerId');
  if (customer.erased_at != null) {
    const [audit] = await tx.query<{ id: string }>(
      sql`SELECT id FROM store_erasures WHERE customer_id = ${customerId} ORDER BY requested_at LIMIT 1`,
    );
    return {
      erasureId: audit?.id ?? '',
      customerId,
      alreadyErased: true,
      counts: zeroCounts(),
    };
  }

  // Everything she is known by.
  const orderPhones = await tx.query<{ phone: string }>(
    sql`SELECT DISTINCT phone FROM store_orders WHERE customer_id = ${customerId} AND phone IS NOT NULL`,
  );
  const consent = await tx.query<{ channel: string; address: string }>(
    sql`SELECT channel, address FROM store_customer_consent WHERE customer_id = ${customerId}`,
  );
  const emails = [
    ...new Set([customer.email, ...consent.filter((c) => c.channel === 'email').map((c) => c.address)]),
  ].map((e) => e.toLowerCase());
  const phones = [
    ...new Set(
      [
        customer.phone,
        ...orderPhones.map((o) => o.phone),
        ...consent.filter((c) => c.channel === 'sms').map((c) => c.address),
      ].filter((p): p is string => Boolean(p)),
    ),
  ];
  const addresses = [...emails, ...phones];

  const orderIds = (
    await tx.query<{ id: string }>(sql`SELECT id FROM store_orders WHERE customer_id = ${customerId}`)
  ).map((o) => o.id);
  const counts: StoreErasureCounts = {
    credentials: await changed(
      tx,
      sql`DELETE FROM store_customer_credentials WHERE customer_id = ${customerId} RETURNING customer_id`,
    ),
    sessions: await changed(
      tx,
      sql`DELETE FROM store_shopper_sessions WHERE customer_id = ${customerId} RETURNING customer_id`,
    ),
    emailProofs: await empty(emails, () =>
      changed(
        tx,
        sql`DELETE FROM store_email_proofs WHERE LOWER(email) IN (${join(emails)}) RETURNING id_hash`,
      ),
    ),
    orderAccess: await empty(orderIds, () =>
      changed(
        tx,
        sql`DELETE FROM store_order_access WHERE order_id IN (${join(orderIds)}) RETURNING order_id`,
      ),
    ),
    carts: await empty(emails, () =>
      changed(
        tx,
        sql`UPDATE store_carts SET customer_email = NULL WHERE LOWER(customer_email) IN (${join(emails)}) RETURNING id`,
      ),
    ),
    consentRecords: await changed(
      tx,
      sql`DELETE FROM store_customer_consent WHERE customer_id = ${customerId} OR address IN (${join(addresses)}) RETURNING customer_id`,
    ),
    orders: await changed(
      tx,
      sql`UPDATE store_orders SET email = '', phone = NULL, first_name = '', last_name = '', shipping_address = '{}',
        billing_address = '{}', cancel_reason = NULL, erased_at = ${now}, updated_at = ${now}
        WHERE customer_id = ${customerId} RETURNING id`,
    ),
    subscriptionsCancelled: await changed(
      tx,
      sql`UPDATE store_subscriptions SET status = 'cancelled', next_charge_at = NULL, cancelled_at = ${now},
        cancel_reason = 'customer erased', updated_at = ${now}
        WHERE customer_id = ${customerId} AND status <> 'cancelled' RETURNING id`,
    ),
    otherRowsWithHerPhone: 0,
  };
  if (phones.length > 0) {
    counts.otherRowsWithHerPhone =
      (await changed(
        tx,
        sql`UPDATE store_orders SET phone = NULL WHERE phone IN (${join(phones)}) RETURNING id`,
      )) +
      (await changed(
        tx,
        sql`UPDATE store_customers SET phone = NULL WHERE phone IN (${join(phones)}) AND id <> ${customerId} RETURNING id`,
      ));
  }
  // The tombstone: a placeholder no checkout can type (not an email), unique per customer.
  await tx.query(
    sql`UPDATE store_customers SET email = ${`erased:${customerId}`}, phone = NULL, first_name = NULL, last_name = NULL,
      erased_at = ${now}, updated_at = ${now} WHERE id = ${customerId}`,
  );

  const erasureId = randomUUID();
  const outbox = await eraseFromOutbox(deps.outbox, tx, { emails, phones }, { requestedBy, now, erasureId });
  const { erasureId: _id, dueAt: _due, ...outboxCounts } = outbox;
  const all = { ...counts, ...outboxCounts };
  await tx.query(sql`INSERT INTO store_erasures (id, customer_id, requested_by, requested_at, counts)
    VALUES (${erasureId}, ${customerId}, ${requestedBy}, ${now}, ${JSON.stringify(all)})`);
  return { erasureId, customerId, alreadyErased: false, counts: all };
}

function zeroCounts(): ErasureReport['counts'] {
  return {
    orders: 0,
    sessions: 0,
    credentials: 0,
    emailProofs: 0,
    orderAccess: 0,
    carts: 0,
    consentRecords: 0,
    subscriptionsCancelled: 0,
    otherRowsWithHerPhone: 0,
    deletionRequests: 0,
    droppedWaiting: 0,
    removedDelivered: 0,
    removedDead: 0,
    removedFences: 0,
    removedCacheEntries: 0,
    redactedInboxItems: 0,
  };
}

/** The merchant's erasure (the admin's Erase control): by customer id or email. Guarded by the caller. */
export async function eraseCustomerAsMerchant(
  deps: StoreDeps,
  input: unknown,
): Promise<ActionResult<ErasureReport>> {
  const parsed = merchantErasureInput.safeParse(input);
  if (!parsed.success) return { ok: false, error: fieldErrorOf(parsed.error) };
  let customerId = parsed.data.customerId;
  if (customerId === undefined) {
    const [row] = await deps.db.query<{ id: string }>(
      sql`SELECT id FROM store_customers WHERE email = ${parsed.data.email ?? ''}`,
    );
    if (!row) return { ok: false, error: { field: 'email', message: 'email: no customer has this email.' } };
    customerId = row.id;
  }
  return eraseCustomer(deps, customerId, 'merchant');
}

/**
 * The shopper's own erasure from her account page: `customerId` is her session's (the caller looked
 * it up from her cookie); the form only confirms.
 */
export async function eraseOwnAccount(
  deps: StoreDeps,
  customerId: string,
  input: unknown,
): Promise<ActionResult<ErasureReport>> {
  const parsed = shopperErasureInput.safeParse(input);
  if (!parsed.success) return { ok: false, error: fieldErrorOf(parsed.error) };
  return eraseCustomer(deps, customerId, 'shopper');
}
