import 'server-only';
import sql, { empty, join, raw, type Sql } from 'sql-template-tag';
import type {
  HistoricalConsent,
  HistoricalCustomer,
  HistoricalFulfillment,
  HistoricalOrder,
  HistoryPage,
  HistoryQuery,
  HistorySource,
} from '../klaviyo-next';
import { buildIdentity } from '../klaviyo-next/events/identity';
import type { RefundSnapshot } from '../klaviyo-next/events/types';
import type { SqlExecutor } from '../klaviyo-next/sql/types';
import { orderIdentity } from './orders/lifecycle';
import { type LineRow, type OrderRow, toLine, toOrder } from './orders/records';
import { type ShipmentRecord, type ShipmentRow, shipmentSnapshot, toShipment } from './orders/shipments';
import { orderSnapshot } from './orders/snapshot';
import type { OrderRecord } from './orders/types';

/**
 * The demo store's history for the plugin's backfill (`npm run backfill`): customers, orders with
 * their shipments, cancellation and refunds, and marketing consent, each from `since` on, oldest
 * first. Pages are keyset pages over (time, id), rows that never change once written, so a cursor
 * always starts at the same record. Erased customers and their orders are left out (they name nobody
 * and their Klaviyo profile is being deleted), and so is consent Klaviyo itself reported (it has it).
 */
export function storeHistory(deps: { db: SqlExecutor; storeUrl: string }): HistorySource {
  const { db, storeUrl } = deps;
  return {
    async count(since) {
      const at = since.getTime();
      const [customers, orders, consent] = await Promise.all([
        countOf(db, sql`SELECT COUNT(*) AS n FROM store_customers WHERE ${customersWhere(at)}`),
        countOf(
          db,
          sql`SELECT COUNT(*) AS n FROM store_orders o JOIN store_customers k ON k.id = o.customer_id WHERE ${ordersWhere(at)}`,
        ),
        countOf(
          db,
          sql`SELECT COUNT(*) AS n FROM store_customer_consent c JOIN store_customers k ON k.id = c.customer_id WHERE ${consentWhere(at)}`,
        ),
      ]);
      return { customers, orders, consent };
    },
    customers: (query) => customersPage(query),
    orders: (query) => ordersPage(storeUrl, query),
    consent: (query) => consentPage(query),
  };
}

async function countOf(db: SqlExecutor, query: Sql) {
  const [row] = await db.query<{ n: number | string }>(query);
  return Number(row?.n ?? 0);
}

const customersWhere = (since: number) => sql`erased_at IS NULL AND created_at >= ${since}`;
const ordersWhere = (since: number) =>
  sql`o.erased_at IS NULL AND k.erased_at IS NULL AND o.placed_at >= ${since}`;
// Consent Klaviyo reported (source 'klaviyo') is Klaviyo's already, and a suppression is Klaviyo's to
// keep: neither is sent back.
const consentWhere = (since: number) =>
  sql`c.at >= ${since} AND c.status IN ('subscribed', 'unsubscribed') AND c.source <> 'klaviyo' AND k.erased_at IS NULL`;

/**
 * Postgres: the page's customer rows are share-locked until the page's transaction (which enqueues
 * its messages) commits. Erasure updates the customer row first (lib/store/erasure.ts), so it waits
 * and then removes the page's messages from the outbox; an erasure that committed first is seen, and
 * its customer left out. SQLite's write transaction excludes the erasure already.
 */
const lockCustomers = (db: SqlExecutor, alias?: string) =>
  db.dialect === 'postgres' ? (alias ? sql` FOR SHARE OF ${raw(alias)}` : sql` FOR SHARE`) : empty;

/** A cursor: the sort key of the last record of a page, as JSON. */
type Key = (string | number)[];

function readCursor(after: string | undefined, shape: ('number' | 'string')[]): Key | undefined {
  if (after === undefined) return undefined;
  let key: unknown;
  try {
    key = JSON.parse(after);
  } catch {
    key = undefined;
  }
  const ok =
    Array.isArray(key) && key.length === shape.length && key.every((part, i) => typeof part === shape[i]);
  if (!ok) throw new TypeError(`history cursor: '${after}' is not a cursor this store wrote.`);
  return key as Key;
}

/** Rows strictly after `key` in the order of `columns` (a keyset page). */
function afterKey(columns: Sql[], key: Key | undefined): Sql {
  if (!key) return sql`1 = 1`;
  const [first, ...rest] = columns;
  const [value, ...restValues] = key;
  if (!first) return sql`1 = 0`;
  if (rest.length === 0) return sql`${first} > ${value}`;
  return sql`(${first} > ${value} OR (${first} = ${value} AND ${afterKey(rest, restValues)}))`;
}

/** The first `limit` rows and the cursor of the next page (read one more row to know there is one). */
function pageOf<R, T>(
  rows: R[],
  limit: number,
  keyOf: (row: R) => Key,
  map: (rows: R[]) => T[],
): HistoryPage<T> {
  const more = rows.length > limit;
  const kept = rows.slice(0, limit);
  const last = kept.at(-1);
  return { items: map(kept), ...(more && last ? { next: JSON.stringify(keyOf(last)) } : {}) };
}

interface CustomerRow {
  id: string;
  email: string;
  first_name: string | null;
  last_name: string | null;
  orders_count: number | string;
  created_at: number | string;
}

async function customersPage(q: HistoryQuery): Promise<HistoryPage<HistoricalCustomer>> {
  const key = readCursor(q.after, ['number', 'string']);
  const rows = await q.db.query<CustomerRow>(
    sql`SELECT id, email, first_name, last_name, orders_count, created_at FROM store_customers
      WHERE ${customersWhere(q.since.getTime())} AND ${afterKey([sql`created_at`, sql`id`], key)}
      ORDER BY created_at, id LIMIT ${q.limit + 1}${lockCustomers(q.db)}`,
  );
  return pageOf(
    rows,
    q.limit,
    (r) => [Number(r.created_at), r.id],
    (kept) =>
      kept.map((r) => ({
        id: r.id,
        // The email alone, as checkout's profile writes name it (checkout-messages.ts): a phone typed
        // at checkout proves nothing about whose it is.
        profile: buildIdentity({
          email: r.email,
          ...(r.first_name ? { firstName: r.first_name } : {}),
          ...(r.last_name ? { lastName: r.last_name } : {}),
        }).identity,
        properties: { 'NW Lifetime Orders': Number(r.orders_count) },
      })),
  );
}

type HistoryOrderRow = OrderRow & { cancelled_at: number | string | null; cancel_reason: string | null };

interface RefundRow {
  id: string;
  order_id: string;
  amount_cents: number | string;
  reason: string | null;
  lines: string;
  refunded_at: number | string;
}

async function ordersPage(storeUrl: string, q: HistoryQuery): Promise<HistoryPage<HistoricalOrder>> {
  const key = readCursor(q.after, ['number', 'string']);
  const rows = await q.db.query<HistoryOrderRow>(
    sql`SELECT o.* FROM store_orders o JOIN store_customers k ON k.id = o.customer_id
      WHERE ${ordersWhere(q.since.getTime())} AND ${afterKey([sql`o.placed_at`, sql`o.id`], key)}
      ORDER BY o.placed_at, o.id LIMIT ${q.limit + 1}${lockCustomers(q.db, 'k')}`,
  );
  const kept = rows.slice(0, q.limit);
  const ids = kept.map((r) => r.id);
  const [lines, shipments, refunds] =
    ids.length === 0
      ? [[], [], []]
      : await Promise.all([
          q.db.query<LineRow & { order_id: string }>(
            sql`SELECT * FROM store_order_lines WHERE order_id IN (${join(ids)}) ORDER BY order_id, position`,
          ),
          q.db.query<ShipmentRow>(
            sql`SELECT * FROM store_fulfillments WHERE order_id IN (${join(ids)}) ORDER BY fulfilled_at, id`,
          ),
          q.db.query<RefundRow>(
            sql`SELECT * FROM store_refunds WHERE order_id IN (${join(ids)}) ORDER BY refunded_at, id`,
          ),
        ]);
  const byOrder = <T extends { order_id: string }>(items: T[]) => {
    const map = new Map<string, T[]>();
    for (const item of items) map.set(item.order_id, [...(map.get(item.order_id) ?? []), item]);
    return map;
  };
  const linesOf = byOrder(lines);
  const shipmentsOf = byOrder(shipments);
  const refundsOf = byOrder(refunds);
  return pageOf(
    rows,
    q.limit,
    (r) => [Number(r.placed_at), r.id],
    (page) =>
      page.map((row) => {
        const order = toOrder(
          row,
          (linesOf.get(row.id) ?? []).map((l) => toLine(l, storeUrl)),
        );
        const refundSnapshots = (refundsOf.get(row.id) ?? []).map(toRefund);
        return {
          order: orderSnapshot(order),
          profile: orderIdentity(order),
          fulfillments: fulfillmentsOf(
            order,
            (shipmentsOf.get(row.id) ?? []).map(toShipment),
            refundsOf.get(row.id) ?? [],
          ),
          ...(row.cancelled_at !== null
            ? {
                cancellation: {
                  at: new Date(Number(row.cancelled_at)).toISOString(),
                  ...(row.cancel_reason ? { reason: row.cancel_reason } : {}),
                },
              }
            : {}),
          refunds: refundSnapshots,
        };
      }),
  );
}

const toRefund = (r: RefundRow): RefundSnapshot => ({
  refundId: r.id,
  refundedAt: new Date(Number(r.refunded_at)).toISOString(),
  amountCents: Number(r.amount_cents),
  ...(r.reason ? { reason: r.reason } : {}),
  lines: JSON.parse(r.lines) as RefundSnapshot['lines'],
});

/**
 * The order's shipments as their events were sent: a shipment completes the order when, with the
 * shipments and refunds before it, nothing is left to ship and nothing was refunded (the status the
 * store derived at that moment, orders/status.ts deriveStatus), and each carries the carrier's later
 * news (confirmed, delivered) with its time.
 */
function fulfillmentsOf(
  order: OrderRecord,
  shipments: ShipmentRecord[],
  refunds: RefundRow[],
): HistoricalFulfillment[] {
  const shipped = new Map<string, number>();
  return shipments.map((s) => {
    for (const { lineId, quantity } of s.lines) shipped.set(lineId, (shipped.get(lineId) ?? 0) + quantity);
    const before = refunds.filter((r) => Number(r.refunded_at) <= s.fulfilledAt);
    const refundedQuantity = new Map<string, number>();
    for (const r of before)
      for (const { lineId, quantity } of JSON.parse(r.lines) as RefundSnapshot['lines'])
        refundedQuantity.set(lineId, (refundedQuantity.get(lineId) ?? 0) + quantity);
    const completesOrder =
      before.length === 0 &&
      order.lines.every(
        (l) => l.quantity - (shipped.get(l.lineId) ?? 0) - (refundedQuantity.get(l.lineId) ?? 0) <= 0,
      );
    const updates = [
      ...(s.confirmedAt !== undefined
        ? [{ status: 'confirmed' as const, at: new Date(s.confirmedAt).toISOString() }]
        : []),
      ...(s.deliveredAt !== undefined
        ? [{ status: 'delivered' as const, at: new Date(s.deliveredAt).toISOString() }]
        : []),
    ];
    return { ...shipmentSnapshot(s), completesOrder, ...(updates.length > 0 ? { updates } : {}) };
  });
}

interface ConsentRow {
  customer_id: string;
  channel: 'email' | 'sms';
  status: 'subscribed' | 'unsubscribed';
  source: string;
  address: string;
  at: number | string;
}

/** Klaviyo's custom_source for each place the store records consent. */
const SOURCES: Record<string, string> = {
  checkout: 'Checkout',
  'sign-up': 'Account sign-up',
  preferences: 'Preferences page',
  admin: 'Store admin',
};

async function consentPage(q: HistoryQuery): Promise<HistoryPage<HistoricalConsent>> {
  const key = readCursor(q.after, ['number', 'string', 'string']);
  const rows = await q.db.query<ConsentRow>(
    sql`SELECT c.customer_id, c.channel, c.status, c.source, c.address, c.at FROM store_customer_consent c
      JOIN store_customers k ON k.id = c.customer_id
      WHERE ${consentWhere(q.since.getTime())} AND ${afterKey([sql`c.at`, sql`c.customer_id`, sql`c.channel`], key)}
      ORDER BY c.at, c.customer_id, c.channel LIMIT ${q.limit + 1}${lockCustomers(q.db, 'k')}`,
  );
  return pageOf(
    rows,
    q.limit,
    (r) => [Number(r.at), r.customer_id, r.channel],
    (kept) =>
      kept.map((r) => ({
        channel: r.channel,
        status: r.status === 'subscribed' ? ('SUBSCRIBED' as const) : ('UNSUBSCRIBED' as const),
        // Each consent names its own address: the email for email, the phone alone for SMS.
        profile: r.channel === 'email' ? { email: r.address } : { phone_number: r.address },
        consentedAt: new Date(Number(r.at)).toISOString(),
        source: SOURCES[r.source] ?? r.source,
      })),
  );
}
