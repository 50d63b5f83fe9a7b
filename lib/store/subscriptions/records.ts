import 'server-only';
import sql from 'sql-template-tag';
import type { SubscriptionSnapshot, SubscriptionStatus } from '../../klaviyo-next/events/subscriptions';
import type { SqlExecutor } from '../../klaviyo-next/sql/types';
import { sellableVariant } from '../catalog';
import { planById } from './plans';

/** A subscription row with its customer's identity (joined: the events go to her profile). */
export interface SubscriptionRecord {
  id: string;
  customer_id: string;
  plan_id: string;
  variant_id: string;
  quantity: number;
  recurring_cents: number;
  currency: string;
  status: SubscriptionStatus;
  revision: number;
  charges_count: number;
  started_at: number;
  next_charge_at: number | null;
  cancelled_at: number | null;
  cancel_reason: string | null;
  updated_at: number;
  email: string;
  first_name: string | null;
  last_name: string | null;
}

// Postgres returns BIGINT as text; the store's numbers are well inside 2^53.
const numeric = (row: SubscriptionRecord): SubscriptionRecord => ({
  ...row,
  quantity: Number(row.quantity),
  recurring_cents: Number(row.recurring_cents),
  revision: Number(row.revision),
  charges_count: Number(row.charges_count),
  started_at: Number(row.started_at),
  next_charge_at: row.next_charge_at === null ? null : Number(row.next_charge_at),
  cancelled_at: row.cancelled_at === null ? null : Number(row.cancelled_at),
  updated_at: Number(row.updated_at),
});

const SELECT = sql`SELECT s.*, c.email, c.first_name, c.last_name
  FROM store_subscriptions s JOIN store_customers c ON c.id = s.customer_id`;

/**
 * Reads a subscription for a change, holding its row until the transaction ends: a no-op UPDATE takes
 * the row lock on Postgres (SQLite's IMMEDIATE transaction already excludes other writers), so a
 * cancel and a charge of one subscription are applied one after the other, each seeing the other.
 */
export async function lockSubscription(tx: SqlExecutor, id: string, now: number) {
  const [locked] = await tx.query<{ id: string }>(
    sql`UPDATE store_subscriptions SET updated_at = ${now} WHERE id = ${id} RETURNING id`,
  );
  return locked ? findSubscription(tx, id) : undefined;
}

export async function findSubscription(q: SqlExecutor, id: string) {
  const [row] = await q.query<SubscriptionRecord>(sql`${SELECT} WHERE s.id = ${id}`);
  return row ? numeric(row) : undefined;
}

/** Every subscription, newest first (the admin list), or one customer's (her account page). */
export async function listSubscriptions(
  q: SqlExecutor,
  options: { customerId?: string; limit?: number } = {},
) {
  const limit = options.limit ?? 200;
  const rows = options.customerId
    ? await q.query<SubscriptionRecord>(
        sql`${SELECT} WHERE s.customer_id = ${options.customerId} ORDER BY s.started_at DESC, s.id DESC LIMIT ${limit}`,
      )
    : await q.query<SubscriptionRecord>(sql`${SELECT} ORDER BY s.started_at DESC, s.id DESC LIMIT ${limit}`);
  return rows.map(numeric);
}

/** The next subscription number, `SUB-1001` onwards. */
export async function nextSubscriptionId(tx: SqlExecutor): Promise<string> {
  const [row] = await tx.query<{ value: number }>(
    sql`UPDATE store_counters SET value = value + 1 WHERE name = 'subscription_number' RETURNING value`,
  );
  if (!row) throw new Error('the subscription_number counter is missing (migration 230)');
  return `SUB-${row.value}`;
}

const iso = (ms: number) => new Date(ms).toISOString();

/** The subscription as the plugin's builders describe it (events/subscriptions.ts). */
export function subscriptionSnapshot(row: SubscriptionRecord): SubscriptionSnapshot {
  const plan = planById(row.plan_id);
  const found = sellableVariant(row.variant_id);
  return {
    subscriptionId: row.id,
    planId: row.plan_id,
    planName: plan?.name ?? row.plan_id,
    status: row.status,
    productId: found?.product.id ?? row.variant_id,
    variantId: row.variant_id,
    ...(found ? { sku: found.variant.sku } : {}),
    productName: found ? `${found.product.title} (${found.variant.option})` : row.variant_id,
    quantity: row.quantity,
    recurringCents: row.recurring_cents,
    currency: row.currency,
    interval: plan?.interval ?? 'month',
    intervalCount: plan?.intervalCount ?? 1,
    startedAt: iso(row.started_at),
    ...(row.next_charge_at !== null ? { nextChargeAt: iso(row.next_charge_at) } : {}),
    ...(plan ? { discountPercent: plan.discountPercent } : {}),
  };
}
