import { orderedProducts, placedOrder } from '../../lib/klaviyo-next/events/orders.js';
import type { LineSnapshot, OrderSnapshot } from '../../lib/klaviyo-next/events/types.js';
import { eventMessage, type OutboxMessage } from '../../lib/klaviyo-next/outbox/types.js';

// The delivery benchmark's workload; the outbox tests enqueue the same orders (tests/support/order-events.ts).

/** Line `n` of a test order: product `p<n>`, priced n × $10, quantity 1. */
export const orderLine = (n: number): LineSnapshot => ({
  lineId: `l${n}`,
  productId: `p${n}`,
  variantId: `v${n}`,
  sku: `SKU-${n}`,
  name: `Product ${n}`,
  categories: ['Tops'],
  url: `https://shop.test/p/${n}`,
  priceCents: 1000 * n,
  quantity: 1,
});

/** One order's facts as the store would enqueue them: Placed Order and an Ordered Product per line. */
export function orderEvents(
  orderId: string,
  email: string,
  placedAt = '2026-07-15T12:00:00Z',
): OutboxMessage[] {
  const order: OrderSnapshot = {
    orderId,
    currency: 'USD',
    placedAt,
    customer: { email },
    lines: [orderLine(1), orderLine(2), orderLine(3)],
    discountCents: 0,
    shippingCents: 0,
    taxCents: 0,
    totalCents: 6000,
  };
  const profile = { email };
  return [placedOrder(order, profile), ...orderedProducts(order, profile)].map(eventMessage);
}
