import 'server-only';
import sql from 'sql-template-tag';
import type { StoreDeps } from './deps';
import { hasOrderAccess } from './order-access';
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
 * An order as its shopper may see it: only for the signed-in account of the order's customer
 * (`customerId`, from a verified session), or the browser that placed it (`orderAccess`, the guest
 * checkout's grant). A wrong owner and a missing order look the same (undefined, a 404), so order
 * numbers, which are sequential, cannot be probed and prove nothing.
 */
export async function orderForShopper(
  deps: Pick<StoreDeps, 'db' | 'storeUrl' | 'now'>,
  orderId: string,
  customerId: string | undefined,
  orderAccess?: string,
): Promise<OrderRecord | undefined> {
  if ((!customerId && !orderAccess) || !/^NW-\d{1,12}$/.test(orderId)) return undefined;
  const order = await findOrder(deps.db, orderId, deps.storeUrl);
  if (!order) return undefined;
  if (customerId && order.customerId === customerId) return order;
  return (await hasOrderAccess(deps.db, orderAccess, orderId, deps.now())) ? order : undefined;
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
  }>(sql`SELECT o.id, o.status, o.currency, o.total_cents, o.placed_at,
       (SELECT SUM(l.quantity) FROM store_order_lines l WHERE l.order_id = o.id) AS item_count
     FROM store_orders o WHERE o.customer_id = ${customerId} ORDER BY o.placed_at DESC, o.id DESC LIMIT ${limit}`);
  return rows.map((r) => ({
    id: r.id,
    status: r.status,
    currency: r.currency,
    totalCents: Number(r.total_cents),
    placedAt: Number(r.placed_at),
    itemCount: Number(r.item_count ?? 0),
  }));
}
