import 'server-only';
import type { StoreDeps } from './deps';
import { findOrder } from './orders/records';
import type { OrderRecord, OrderStatus } from './orders/types';

export interface OrderSummary {
  id: string;
  status: OrderStatus;
  currency: string;
  totalCents: number;
  placedAt: number;
  itemCount: number;
}

/**
 * An order as its shopper may see it: only when the order is theirs. A wrong owner and a missing
 * order look the same (undefined), so order numbers cannot be probed.
 */
export async function orderForShopper(
  deps: Pick<StoreDeps, 'db' | 'storeUrl'>,
  orderId: string,
  customerId: string | undefined,
): Promise<OrderRecord | undefined> {
  if (!customerId || !/^NW-\d{1,12}$/.test(orderId)) return undefined;
  const order = await findOrder(deps.db, orderId, deps.storeUrl);
  return order?.customerId === customerId ? order : undefined;
}

/** A shopper's orders, newest first, for the account page. */
export async function ordersOfCustomer(
  deps: Pick<StoreDeps, 'db'>,
  customerId: string,
  limit = 50,
): Promise<OrderSummary[]> {
  const rows = await deps.db.query<{
    id: string;
    status: OrderStatus;
    currency: string;
    total_cents: number;
    placed_at: number;
    item_count: number | null;
  }>(
    `SELECT o.id, o.status, o.currency, o.total_cents, o.placed_at,
       (SELECT SUM(l.quantity) FROM store_order_lines l WHERE l.order_id = o.id) AS item_count
     FROM store_orders o WHERE o.customer_id = ? ORDER BY o.placed_at DESC, o.id DESC LIMIT ?`,
    [customerId, limit],
  );
  return rows.map((r) => ({
    id: r.id,
    status: r.status,
    currency: r.currency,
    totalCents: Number(r.total_cents),
    placedAt: Number(r.placed_at),
    itemCount: Number(r.item_count ?? 0),
  }));
}
