import { orderedProducts, placedOrder } from '../../lib/klaviyo-next/events/orders.js';
import type { LineSnapshot, OrderSnapshot } from '../../lib/klaviyo-next/events/types.js';
import { consentChanged, orderMessages, profileUpdated } from '../../lib/klaviyo-next/outbox/lifecycle.js';
import { eventMessage, type OutboxMessage } from '../../lib/klaviyo-next/outbox/types.js';

/** The text a shopper saw beside the box they ticked (kept with the consent as its proof). */
const CHECKOUT_DISCLOSURE = {
  text: 'Email me news and offers. Unsubscribe at any time.',
  version: 'bench-1',
};

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

/** One order placed at checkout and everything it tells Klaviyo, as the demo store enqueues it. */
export interface WholeOrder {
  orderId: string;
  email: string;
  /** Email consent given at checkout. */
  consent: boolean;
  messages: OutboxMessage[];
}

/**
 * A whole checkout through the plugin's order builders (lib/klaviyo-next/outbox/lifecycle.ts), as
 * lib/store/orders/checkout-messages.ts composes them: Placed Order and an Ordered Product per line,
 * the profile write (order count, last order, shipping address), and, when given, the email consent
 * with the time of the order.
 */
export function wholeOrder(
  orderId: string,
  email: string,
  consent: boolean,
  placedAt = '2026-07-15T12:00:00Z',
) {
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
  const messages = [
    ...orderMessages.placed(order, profile),
    ...profileUpdated(`order:${orderId}`, {
      profile,
      properties: { 'NW Lifetime Orders': 1, 'NW Last Order ID': orderId },
      location: { address1: '1 Main St', city: 'Springfield', region: 'IL', zip: '62701', country: 'US' },
    }),
    ...(consent
      ? consentChanged({
          channel: 'email',
          status: 'SUBSCRIBED',
          profile,
          consentedAt: placedAt,
          source: 'Checkout',
          disclosure: CHECKOUT_DISCLOSURE,
        })
      : []),
  ];
  return { orderId, email, consent, messages } satisfies WholeOrder;
}
