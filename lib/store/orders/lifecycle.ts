import 'server-only';
import sql from 'sql-template-tag';
import { buildIdentity } from '../../klaviyo-next/events/identity';
import type { OutboxMessage } from '../../klaviyo-next/outbox/types';
import type { SqlExecutor } from '../../klaviyo-next/sql/types';
import type { StoreDeps } from '../deps';
import { type ActionResult, asResult, StoreError } from '../result';
import { guestOrderIdentity } from './checkout-messages';
import { lockOrder } from './records';
import { deriveStatus } from './status';
import type { OrderRecord } from './types';

type Change<T> = (
  tx: SqlExecutor,
  order: OrderRecord,
  now: number,
) => Promise<{ data: T; messages: OutboxMessage[] }>;

/**
 * Runs one back-office change of an order in a transaction with its events: the order row is locked,
 * the change and its outbox messages commit together, and delivery is scheduled after the commit.
 * An erased customer's order (erased_at set) still changes in the store, but sends no event: it names
 * nobody any more (no email or phone), Klaviyo refuses an event without a profile identifier, and her
 * profile there is being deleted.
 */
export async function changeOrder<T>(
  deps: StoreDeps,
  orderId: string,
  change: Change<T>,
): Promise<ActionResult<T>> {
  const result = await asResult(() =>
    deps.db.transaction(async (tx) => {
      const now = deps.now();
      const order = await lockOrder(tx, orderId, deps.storeUrl, now);
      if (!order) throw new StoreError('No such order.', 'orderId');
      const { data, messages } = await change(tx, order, now);
      if (order.erasedAt === undefined) await deps.outbox.enqueue(tx, messages, now);
      return data;
    }),
  );
  if (result.ok) deps.scheduleDelivery();
  return result;
}

/**
 * The customer as checkout recorded them; lifecycle events go to the profile the order went to, by
 * its email, never by the phone typed beside it (see guestOrderIdentity).
 */
export const orderIdentity = (order: OrderRecord) =>
  guestOrderIdentity(buildIdentity(order.customer).identity);

/** Stores the status the order's lines and money now imply, and returns it. */
export async function saveStatus(tx: SqlExecutor, order: OrderRecord) {
  const status = deriveStatus(order);
  await tx.query(
    sql`UPDATE store_orders SET status = ${status}, refunded_cents = ${order.refundedCents} WHERE id = ${order.id}`,
  );
  return status;
}

/** Finds the named lines of the order, or fails naming the first one that is not on it. */
export function pickLines(order: OrderRecord, lines: { lineId: string; quantity: number }[]) {
  return lines.map((wanted, i) => {
    const line = order.lines.find((l) => l.lineId === wanted.lineId);
    if (!line) throw new StoreError(`${wanted.lineId} is not a line of ${order.id}.`, `lines.${i}.lineId`);
    return { line, quantity: wanted.quantity, index: i };
  });
}

export const money = (cents: number, currency: string) =>
  new Intl.NumberFormat('en-US', { style: 'currency', currency }).format(cents / 100);
