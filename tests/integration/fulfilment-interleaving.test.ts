import sql from 'sql-template-tag';
import { expect, it } from 'vitest';
import { cancelOrder } from '../../lib/store/orders/cancel-order.js';
import { fulfilOrder } from '../../lib/store/orders/fulfil-order.js';
import { findOrder } from '../../lib/store/orders/records.js';
import { refundOrder } from '../../lib/store/orders/refund-order.js';
import { updateShipment } from '../../lib/store/orders/update-shipment.js';
import {
  lifecycleEvents,
  onBothDatabases,
  placedOrder,
  STORE_URL,
  testStoreDeps,
} from '../support/store-fixtures.js';

const TEE = 'organic-cotton-tee-l'; // $32

/**
 * Two merchants (or a double click) changing one order at once, on one database: each change locks
 * the order row before reading it (Postgres row lock; SQLite's one writer), so the second sees the
 * first's shipment or refund. Quantities and money never go over what was bought and paid, ids never
 * repeat, and each accepted change has exactly one event.
 */
onBothDatabases('fulfilment interleaving', (db) => {
  it('two partial fulfilments of one line: never more shipped than bought', async () => {
    const d = testStoreDeps(db());
    const orderId = await placedOrder(d, [[TEE, 3]]);
    const lines = [{ lineId: `${orderId}-1`, quantity: 2 }];
    const results = await Promise.all([
      fulfilOrder(d, { orderId, lines }),
      fulfilOrder(d, { orderId, lines }),
    ]);
    expect(results.filter((r) => r.ok)).toHaveLength(1);
    expect(results.find((r) => !r.ok)).toMatchObject({
      ok: false,
      error: { field: 'lines.0.quantity', message: `Only 1 of ${orderId}-1 left to ship.` },
    });
    expect((await findOrder(d.db, orderId, STORE_URL))?.lines[0]?.fulfilledQuantity).toBe(2);
    expect((await lifecycleEvents(d.db, orderId)).map((e) => e.metric)).toEqual(['Fulfilled Partial Order']);
  });

  it('two partial fulfilments that fit: both shipped, with ids of their own', async () => {
    const d = testStoreDeps(db());
    const orderId = await placedOrder(d, [[TEE, 3]]);
    const lines = [{ lineId: `${orderId}-1`, quantity: 1 }];
    const results = await Promise.all([
      fulfilOrder(d, { orderId, lines }),
      fulfilOrder(d, { orderId, lines }),
    ]);
    expect(results.map((r) => r.ok && r.data.fulfillmentId).sort()).toEqual([
      `${orderId}-F1`,
      `${orderId}-F2`,
    ]);
    expect((await findOrder(d.db, orderId, STORE_URL))?.lines[0]?.fulfilledQuantity).toBe(2);
    const events = await lifecycleEvents(d.db, orderId);
    expect(new Set(events.map((e) => e.uniqueId)).size).toBe(2);
  });

  it('a refund racing a cancel: one of them, never both', async () => {
    const d = testStoreDeps(db());
    const orderId = await placedOrder(d, [[TEE, 2]]);
    const [refund, cancel] = await Promise.all([
      refundOrder(d, { orderId, amountCents: 500 }),
      cancelOrder(d, { orderId, reason: 'race' }),
    ]);
    expect([refund.ok, cancel.ok].filter(Boolean)).toHaveLength(1);
    const order = await findOrder(d.db, orderId, STORE_URL);
    const events = (await lifecycleEvents(d.db, orderId)).map((e) => [e.metric, e.value]);
    if (cancel.ok) {
      expect(refund).toMatchObject({ ok: false, error: { field: 'orderId' } });
      expect(order).toMatchObject({ status: 'cancelled', refundedCents: 0 });
      expect(events).toEqual([['Cancelled Order', (order?.totalCents ?? 0) / 100]]);
    } else {
      expect(cancel).toMatchObject({ ok: false, error: { field: 'orderId' } });
      expect(order).toMatchObject({ status: 'partially_refunded', refundedCents: 500 });
      expect(events).toEqual([['Refunded Order', 5]]);
    }
  });

  it('two refunds of the rest at once: one refunded, the other refused, never over the total', async () => {
    const d = testStoreDeps(db());
    const orderId = await placedOrder(d, [[TEE, 2]]);
    await fulfilOrder(d, { orderId });
    const total = (await findOrder(d.db, orderId, STORE_URL))?.totalCents ?? 0;
    const results = await Promise.all([
      refundOrder(d, { orderId, amountCents: total - 100 }),
      refundOrder(d, { orderId, amountCents: total - 100 }),
    ]);
    expect(results.filter((r) => r.ok)).toHaveLength(1);
    expect(results.find((r) => !r.ok)).toMatchObject({ ok: false, error: { field: 'amountCents' } });
    expect(await findOrder(d.db, orderId, STORE_URL)).toMatchObject({ refundedCents: total - 100 });
    expect((await lifecycleEvents(d.db, orderId)).filter((e) => e.metric === 'Refunded Order')).toHaveLength(
      1,
    );
  });

  it('two Delivered presses on one shipment: one Delivered Shipment', async () => {
    const d = testStoreDeps(db());
    const orderId = await placedOrder(d, [[TEE, 1]]);
    await fulfilOrder(d, { orderId, carrier: 'DHL', trackingNumber: 'JD0146000012345' });
    const press = () => updateShipment(d, { orderId, fulfillmentId: `${orderId}-F1`, status: 'delivered' });
    const results = await Promise.all([press(), press()]);
    expect(results.filter((r) => r.ok)).toHaveLength(1);
    expect(results.find((r) => !r.ok)).toMatchObject({ ok: false, error: { field: 'status' } });
    const [row] = await d.db.query<{ shipment_status: string }>(
      sql`SELECT shipment_status FROM store_fulfillments WHERE id = ${`${orderId}-F1`}`,
    );
    expect(row?.shipment_status).toBe('delivered');
    const delivered = (await lifecycleEvents(d.db, orderId)).filter((e) => e.metric === 'Delivered Shipment');
    expect(delivered).toHaveLength(1);
    expect(delivered[0]?.properties).toMatchObject({
      TrackingURL: 'https://www.dhl.com/global-en/home/tracking.html?tracking-id=JD0146000012345',
    });
  });
});
