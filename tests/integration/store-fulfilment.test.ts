import { expect, it } from 'vitest';
import { stockOf } from '../../lib/store/inventory.js';
import { cancelOrder } from '../../lib/store/orders/cancel-order.js';
import { fulfilOrder } from '../../lib/store/orders/fulfil-order.js';
import { refundOrder } from '../../lib/store/orders/refund-order.js';
import { lifecycleEvents, onBothDatabases, placedOrder, testStoreDeps } from '../support/store-fixtures.js';

const TEE = 'organic-cotton-tee-l'; // $32
const MUG = 'stoneware-mug-set-slate'; // $48
/** 3 tees and 1 mug set: $144 with free shipping ($96 + $48). */
const LINES: [string, number][] = [
  [TEE, 3],
  [MUG, 1],
];

onBothDatabases('fulfilment and cancellation', (db) => {
  it('ships an order in two parts, one Fulfilled Order each, and no more than was bought', async () => {
    const d = testStoreDeps(db());
    const orderId = await placedOrder(d, LINES);
    const first = await fulfilOrder(d, {
      orderId,
      lines: [{ lineId: `${orderId}-1`, quantity: 2 }],
      carrier: 'UPS',
      trackingNumber: '1Z999',
    });
    expect(first).toEqual({
      ok: true,
      data: { fulfillmentId: `${orderId}-F1`, status: 'partially_fulfilled' },
    });
    expect(await fulfilOrder(d, { orderId, lines: [{ lineId: `${orderId}-1`, quantity: 2 }] })).toEqual({
      ok: false,
      error: { field: 'lines.0.quantity', message: `Only 1 of ${orderId}-1 left to ship.` },
    });
    expect(await fulfilOrder(d, { orderId })).toMatchObject({
      ok: true,
      data: { fulfillmentId: `${orderId}-F2`, status: 'fulfilled' },
    });
    expect(await fulfilOrder(d, { orderId })).toMatchObject({ ok: false, error: { field: 'lines' } });

    const events = await lifecycleEvents(d.db, orderId);
    expect(events.map((e) => [e.metric, e.uniqueId, e.value, e.properties.IsPartial])).toEqual([
      ['Fulfilled Partial Order', `fulfilled-order:${orderId}:${orderId}-F1`, 64, true],
      ['Fulfilled Order', `fulfilled-order:${orderId}:${orderId}-F2`, 144, false],
    ]);
    expect(events[0]?.properties).toMatchObject({
      Carrier: 'UPS',
      TrackingNumber: '1Z999',
      TrackingURL: 'https://www.ups.com/track?tracknum=1Z999',
    });
    expect(events[0]?.profile.email).toBe('ada.lovelace@example.com');
    expect(d.deliveries.scheduled).toBe(3); // the checkout and the two shipments
  });

  it('cancels an unshipped order once, restocking it and recording Cancelled Order at its (positive) total', async () => {
    const d = testStoreDeps(db());
    const orderId = await placedOrder(d, LINES);
    const stock = await stockOf(d.db, TEE);
    expect(await cancelOrder(d, { orderId, reason: 'changed mind' })).toEqual({
      ok: true,
      data: { status: 'cancelled' },
    });
    expect(await stockOf(d.db, TEE)).toBe(stock + 3);
    expect(await cancelOrder(d, { orderId })).toMatchObject({
      ok: false,
      error: { message: `${orderId} is already cancelled.` },
    });
    expect(await refundOrder(d, { orderId, amountCents: 100 })).toMatchObject({
      ok: false,
      error: { field: 'orderId' },
    });
    expect(await fulfilOrder(d, { orderId })).toMatchObject({ ok: false, error: { field: 'orderId' } });
    const events = await lifecycleEvents(d.db, orderId);
    expect(events.map((e) => [e.metric, e.uniqueId, e.value, e.properties.Reason])).toEqual([
      ['Cancelled Order', `cancelled-order:${orderId}`, 144, 'changed mind'],
    ]);
  });

  it('refuses to cancel what has shipped', async () => {
    const d = testStoreDeps(db());
    const orderId = await placedOrder(d, LINES);
    await fulfilOrder(d, { orderId, lines: [{ lineId: `${orderId}-2`, quantity: 1 }] });
    expect(await cancelOrder(d, { orderId })).toMatchObject({
      ok: false,
      error: {
        field: 'orderId',
        message: `${orderId} is partially fulfilled; refund it instead of cancelling.`,
      },
    });
  });
});
