import { describe, expect, it } from 'vitest';
import { buildPage, consentHistory, orderHistory } from '../../lib/klaviyo-next/backfill/messages';
import type { HistoricalOrder } from '../../lib/klaviyo-next/backfill/types';
import { toEventInput } from '../../lib/klaviyo-next/outbox/deliver/events';
import { consentChanged, orderMessages } from '../../lib/klaviyo-next/outbox/lifecycle';
import { laneOf } from '../../lib/klaviyo-next/outbox/types';

const LINE = {
  lineId: 'O1-L1',
  productId: 'P1',
  variantId: 'V1',
  sku: 'SKU-1',
  name: 'Tee',
  categories: ['Tees'],
  url: 'https://shop.test/products/P1',
  priceCents: 2500,
  quantity: 2,
};
const ORDER: HistoricalOrder = {
  order: {
    orderId: 'O1',
    currency: 'USD',
    placedAt: '2025-03-01T10:00:00.000Z',
    customer: { email: 'ada@example.com' },
    lines: [LINE],
    discountCents: 0,
    shippingCents: 500,
    taxCents: 0,
    totalCents: 5500,
  },
  profile: { email: 'ada@example.com' },
  fulfillments: [
    {
      fulfillmentId: 'O1-F1',
      fulfilledAt: '2025-03-02T10:00:00.000Z',
      completesOrder: true,
      lines: [{ lineId: 'O1-L1', quantity: 2 }],
      updates: [{ status: 'delivered', at: '2025-03-04T10:00:00.000Z' }],
    },
  ],
  refunds: [{ refundId: 'O1-R1', refundedAt: '2025-03-05T10:00:00.000Z', amountCents: 2500, lines: [] }],
};

/** The backfill's messages (backfill/messages.ts) are the live builders' own, marked as history. */
describe('backfill messages', () => {
  it('a past order is the live messages with backfill set, the same keys and original times, in lane 2', () => {
    const history = orderHistory(ORDER);
    const { order, profile } = ORDER;
    const [shipment] = ORDER.fulfillments;
    if (!shipment) throw new Error('fixture');
    const live = [
      ...orderMessages.placed(order, profile),
      ...orderMessages.fulfilled(order, shipment, profile),
      ...orderMessages.shipment(
        order,
        shipment,
        { status: 'delivered', at: '2025-03-04T10:00:00.000Z' },
        profile,
      ),
      ...orderMessages.refunded(order, ORDER.refunds[0] as never, profile),
    ];
    expect(history.map((m) => m.key)).toEqual(live.map((m) => m.key));
    expect(
      history.map((m) => m.kind === 'event' && [m.payload.metric, m.payload.time, m.payload.backfill]),
    ).toEqual([
      ['Placed Order', '2025-03-01T10:00:00.000Z', true],
      ['Ordered Product', '2025-03-01T10:00:00.000Z', true],
      ['Fulfilled Order', '2025-03-02T10:00:00.000Z', true],
      ['Delivered Shipment', '2025-03-04T10:00:00.000Z', true],
      ['Refunded Order', '2025-03-05T10:00:00.000Z', true],
    ]);
    expect(history.map(laneOf)).toEqual([2, 2, 2, 2, 2]);
    expect(live.map(laneOf)).toEqual([0, 0, 0, 0, 0]);
    // The flag reaches the API body: recorded without triggering flows.
    const first = history[0];
    if (first?.kind !== 'event') throw new Error('expected an event');
    expect(toEventInput(first.payload).backfill).toBe(true);
    const liveFirst = live[0];
    if (liveFirst?.kind !== 'event') throw new Error('expected an event');
    expect(toEventInput(liveFirst.payload)).not.toHaveProperty('backfill');
  });

  it('past consent keeps the live id and time, flagged historical, in lane 2', () => {
    const change = {
      channel: 'email' as const,
      status: 'SUBSCRIBED' as const,
      profile: { email: 'ada@example.com' },
      consentedAt: '2025-03-01T10:00:00.000Z',
      source: 'Checkout',
    };
    const [live] = consentChanged(change);
    const past = consentHistory(change);
    expect(past.key).toBe(live?.key);
    expect(past.kind === 'consent' && past.payload.historicalImport).toBe(true);
    expect(laneOf(past)).toBe(2);
  });

  it('skips, with the reason, a record that names nobody or cannot be consent', () => {
    const page = buildPage('orders', [{ ...ORDER, profile: {} }]);
    expect(page.messages).toEqual([]);
    expect(page.skipped).toEqual([{ stream: 'orders', id: 'O1', reason: 'no email, phone or external id' }]);
    const consent = buildPage('consent', [
      {
        channel: 'sms',
        status: 'SUBSCRIBED',
        profile: {},
        consentedAt: '2025-01-01T00:00:00.000Z',
        source: 'X',
      },
    ]);
    expect(consent.skipped[0]?.reason).toMatch(/sms consent needs the profile's phone number/);
  });
});
