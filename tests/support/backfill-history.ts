import sql, { join } from 'sql-template-tag';
import type { SqlDatabase } from '../../lib/klaviyo-next/sql/types.js';

/** When the seeded history starts: every seeded fact is at or after it. */
export const HISTORY_START = Date.parse('2025-01-01T00:00:00Z');

/** What a seeded history must come out as at Klaviyo. */
export interface SeededHistory {
  orders: number;
  customers: number;
  /** Events per metric the backfill must send. */
  events: Record<string, number>;
  /** Customers whose email consent is recorded as subscribed. */
  subscribed: number;
}

/**
 * Writes `orders` past orders straight into the store's tables, in multi-row inserts (10,000 orders
 * in a second or two): one line each, a customer per two orders, every 10th order shipped (every
 * 20th then delivered), every 50th cancelled, every 25th partly refunded, and every 40th customer's
 * email consent subscribed. Returns what the backfill must send for it.
 */
export async function seedHistory(db: SqlDatabase, orders: number): Promise<SeededHistory> {
  const customers = Math.ceil(orders / 2);
  const at = (i: number) => HISTORY_START + i * 60_000;
  const customerRows = Array.from({ length: customers }, (_, i) => {
    const id = `C${i}`;
    return sql`(${id}, ${`past.${i}@example.com`}, ${'Past'}, ${`Shopper ${i}`}, 2, ${at(i * 2)}, ${at(i * 2)})`;
  });
  const orderRows: ReturnType<typeof sql>[] = [];
  const lineRows: ReturnType<typeof sql>[] = [];
  const shipmentRows: ReturnType<typeof sql>[] = [];
  const refundRows: ReturnType<typeof sql>[] = [];
  const address = JSON.stringify({
    address1: '1 Past St',
    city: 'Oakland',
    region: 'CA',
    zip: '94607',
    country: 'US',
  });
  const events: Record<string, number> = {
    'Placed Order': 0,
    'Ordered Product': 0,
    'Fulfilled Order': 0,
    'Delivered Shipment': 0,
    'Cancelled Order': 0,
    'Refunded Order': 0,
  };
  const count = (metric: string) => {
    events[metric] = (events[metric] ?? 0) + 1;
  };
  for (let i = 0; i < orders; i++) {
    const id = `PAST-${i}`;
    const customer = Math.floor(i / 2);
    const cancelled = i % 50 === 49;
    const shipped = !cancelled && i % 10 === 0;
    const refunded = !cancelled && i % 25 === 3;
    const status = cancelled
      ? 'cancelled'
      : refunded
        ? 'partially_refunded'
        : shipped
          ? 'fulfilled'
          : 'placed';
    orderRows.push(
      sql`(${id}, ${`C${customer}`}, ${status}, 'USD', ${`past.${customer}@example.com`}, 'Past', ${`Shopper ${customer}`},
        ${address}, ${address}, 2500, 500, 0, 0, 3000, ${refunded ? 1000 : 0}, ${at(i)}, ${cancelled ? at(i) + 1000 : null}, ${at(i)})`,
    );
    lineRows.push(
      sql`(${`${id}-L1`}, ${id}, 1, 'P1', 'V1', 'SKU-1', 'Past Tee', '["Tees"]', 2500, 1, ${shipped ? 1 : 0}, 0)`,
    );
    count('Placed Order');
    count('Ordered Product');
    if (cancelled) count('Cancelled Order');
    if (shipped) {
      const delivered = i % 20 === 0;
      shipmentRows.push(
        sql`(${`${id}-F1`}, ${id}, 'UPS', ${`1Z${i}`}, ${JSON.stringify([{ lineId: `${id}-L1`, quantity: 1 }])}, ${at(i) + 2000}, ${delivered ? 'delivered' : 'fulfilled'}, ${delivered ? at(i) + 4000 : null})`,
      );
      count('Fulfilled Order');
      if (delivered) count('Delivered Shipment');
    }
    if (refunded) {
      refundRows.push(sql`(${`${id}-R1`}, ${id}, 1000, 'Damaged', '[]', ${at(i) + 3000})`);
      count('Refunded Order');
    }
  }
  const subscribedRows = Array.from({ length: customers }, (_, i) => i)
    .filter((i) => i % 40 === 0)
    .map(
      (i) =>
        sql`(${`C${i}`}, 'email', 'subscribed', 'checkout', ${`past.${i}@example.com`}, ${at(i * 2)}, ${at(i * 2)})`,
    );
  await db.transaction(async (tx) => {
    const insert = async (head: ReturnType<typeof sql>, rows: ReturnType<typeof sql>[]) => {
      // 500 rows a statement keeps every insert under both drivers' bound-parameter limits.
      for (let i = 0; i < rows.length; i += 500)
        await tx.query(sql`${head} VALUES ${join(rows.slice(i, i + 500))}`);
    };
    await insert(
      sql`INSERT INTO store_customers (id, email, first_name, last_name, orders_count, created_at, updated_at)`,
      customerRows,
    );
    await insert(
      sql`INSERT INTO store_orders (id, customer_id, status, currency, email, first_name, last_name, shipping_address,
        billing_address, subtotal_cents, shipping_cents, tax_cents, discount_cents, total_cents, refunded_cents, placed_at,
        cancelled_at, updated_at)`,
      orderRows,
    );
    await insert(
      sql`INSERT INTO store_order_lines (id, order_id, position, product_id, variant_id, sku, name, categories, price_cents,
        quantity, fulfilled_quantity, refunded_quantity)`,
      lineRows,
    );
    await insert(
      sql`INSERT INTO store_fulfillments (id, order_id, carrier, tracking_number, lines, fulfilled_at, shipment_status, delivered_at)`,
      shipmentRows,
    );
    await insert(
      sql`INSERT INTO store_refunds (id, order_id, amount_cents, reason, lines, refunded_at)`,
      refundRows,
    );
    await insert(
      sql`INSERT INTO store_customer_consent (customer_id, channel, status, source, address, at, updated_at)`,
      subscribedRows,
    );
  });
  return { orders, customers, events, subscribed: subscribedRows.length };
}
