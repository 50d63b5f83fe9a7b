import { orderEvents } from '../../bench/lib/order-events.js';
import type { OutboxStore } from '../../lib/klaviyo-next/outbox/store.js';
import type { SqlDatabase } from '../../lib/klaviyo-next/sql/types.js';

// The orders themselves are the delivery benchmark's workload (bench/lib), so bench/ needs nothing
// from tests/; what only tests use stays here.
export { orderEvents, orderLine } from '../../bench/lib/order-events.js';

/**
 * Enqueues `orders` orders of four events each (shoppers reorder: `orders / 4` profiles) and returns
 * the unique ids Klaviyo must end up with. Committed in chunks, as many checkouts would.
 */
export async function enqueueOrders(
  db: SqlDatabase,
  store: OutboxStore,
  orders: number,
  prefix: string,
): Promise<string[]> {
  const shoppers = Math.max(1, Math.floor(orders / 4));
  const messages = Array.from({ length: orders }, (_, i) =>
    orderEvents(`${prefix}${i}`, `shopper${i % shoppers}@example.com`),
  ).flat();
  for (let i = 0; i < messages.length; i += 1000) {
    const chunk = messages.slice(i, i + 1000);
    await db.transaction((tx) => store.enqueue(tx, chunk));
  }
  return messages.map((m) => (m.kind === 'event' ? m.payload.uniqueId : m.key));
}
