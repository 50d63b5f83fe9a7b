import 'server-only';
import sql, { join } from 'sql-template-tag';
import type { SqlExecutor } from '../../klaviyo-next/sql/types';
import type { OrderLine, OrderRecord, OrderStatus } from './types';

export interface OrderRow {
  id: string;
  cart_id: string | null;
  customer_id: string;
  status: OrderStatus;
  currency: string;
  email: string;
  phone: string | null;
  first_name: string;
  last_name: string;
  shipping_address: string;
  billing_address: string;
  subtotal_cents: number;
  shipping_cents: number;
  tax_cents: number;
  discount_cents: number;
  total_cents: number;
  refunded_cents: number;
  placed_at: number;
  erased_at: number | string | null;
}

export interface LineRow {
  id: string;
  position: number;
  product_id: string;
  variant_id: string;
  sku: string;
  name: string;
  variant_name: string | null;
  categories: string;
  price_cents: number;
  quantity: number;
  fulfilled_quantity: number;
  refunded_quantity: number;
}

export const toLine = (row: LineRow, storeUrl: string): OrderLine => ({
  lineId: row.id,
  position: row.position,
  productId: row.product_id,
  variantId: row.variant_id,
  sku: row.sku,
  name: row.name,
  ...(row.variant_name ? { variantName: row.variant_name } : {}),
  categories: JSON.parse(row.categories) as string[],
  url: `${storeUrl}/products/${row.product_id}`,
  imageUrl: `${storeUrl}/products/${row.product_id}.jpg`,
  priceCents: row.price_cents,
  quantity: row.quantity,
  fulfilledQuantity: row.fulfilled_quantity,
  refundedQuantity: row.refunded_quantity,
});

export const toOrder = (row: OrderRow, lines: OrderLine[]): OrderRecord => ({
  id: row.id,
  ...(row.cart_id ? { cartId: row.cart_id } : {}),
  customerId: row.customer_id,
  status: row.status,
  currency: row.currency,
  customer: {
    email: row.email,
    ...(row.phone ? { phone: row.phone } : {}),
    firstName: row.first_name,
    lastName: row.last_name,
  },
  shippingAddress: JSON.parse(row.shipping_address),
  billingAddress: JSON.parse(row.billing_address),
  subtotalCents: row.subtotal_cents,
  shippingCents: row.shipping_cents,
  taxCents: row.tax_cents,
  discountCents: row.discount_cents,
  totalCents: row.total_cents,
  refundedCents: row.refunded_cents,
  placedAt: row.placed_at,
  ...(row.erased_at != null ? { erasedAt: Number(row.erased_at) } : {}),
  lines,
});

async function linesOf(q: SqlExecutor, orderId: string, storeUrl: string) {
  const rows = await q.query<LineRow>(
    sql`SELECT * FROM store_order_lines WHERE order_id = ${orderId} ORDER BY position`,
  );
  return rows.map((r) => toLine(r, storeUrl));
}

export async function findOrder(q: SqlExecutor, orderId: string, storeUrl: string) {
  const [row] = await q.query<OrderRow>(sql`SELECT * FROM store_orders WHERE id = ${orderId}`);
  return row ? toOrder(row, await linesOf(q, orderId, storeUrl)) : undefined;
}

/**
 * Reads an order for a change, holding its row until the transaction ends. A no-op UPDATE takes the
 * row lock on Postgres (and SQLite's IMMEDIATE transaction already excludes other writers), so two
 * refunds of one order are applied one after the other, each seeing the other's total.
 */
export async function lockOrder(tx: SqlExecutor, orderId: string, storeUrl: string, now: number) {
  const [row] = await tx.query<OrderRow>(
    sql`UPDATE store_orders SET updated_at = ${now} WHERE id = ${orderId} RETURNING *`,
  );
  return row ? toOrder(row, await linesOf(tx, orderId, storeUrl)) : undefined;
}

export async function insertOrder(tx: SqlExecutor, order: OrderRecord): Promise<void> {
  const c = order.customer;
  await tx.query(
    sql`INSERT INTO store_orders (id, cart_id, customer_id, status, currency, email, phone, first_name, last_name,
       shipping_address, billing_address, subtotal_cents, shipping_cents, tax_cents, discount_cents, total_cents,
       refunded_cents, placed_at, updated_at)
     VALUES (${join([
       ...[order.id, order.cartId ?? null, order.customerId, order.status, order.currency],
       ...[c.email, c.phone ?? null, c.firstName, c.lastName],
       ...[JSON.stringify(order.shippingAddress), JSON.stringify(order.billingAddress)],
       ...[order.subtotalCents, order.shippingCents, order.taxCents, order.discountCents, order.totalCents],
       ...[order.refundedCents, order.placedAt, order.placedAt],
     ])})`,
  );
  for (const l of order.lines) {
    await tx.query(
      sql`INSERT INTO store_order_lines (id, order_id, position, product_id, variant_id, sku, name, variant_name,
         categories, price_cents, quantity) VALUES (${join([
           ...[
             l.lineId,
             order.id,
             l.position,
             l.productId,
             l.variantId,
             l.sku,
             l.name,
             l.variantName ?? null,
           ],
           ...[JSON.stringify(l.categories), l.priceCents, l.quantity],
         ])})`,
    );
  }
}

/** The next order number, `NW-100001` onwards; the counter row serialises concurrent checkouts briefly. */
export async function nextOrderId(tx: SqlExecutor): Promise<string> {
  const [row] = await tx.query<{ value: number }>(
    sql`UPDATE store_counters SET value = value + 1 WHERE name = 'order_number' RETURNING value`,
  );
  if (!row) throw new Error('the order_number counter is missing (migration 201)');
  return `NW-${row.value}`;
}
