import { beforeEach, describe, expect, it, vi } from 'vitest';
import {
  cancelOrder,
  fulfilOrder,
  refundOrder,
  updateShipment,
} from '../../app/(admin)/admin/(dashboard)/orders/actions.js';
import { listOrders, orderDetail } from '../../lib/store/orders/admin-orders.js';
import { adminSession, jar, NEXT_AUTH_COOKIE } from '../support/action-request.js';
import { withTestApp } from '../support/app-under-test.js';
import { type TestEmulator, withEmulator } from '../support/emulator.js';
import { deliverTo, recordedLifecycle } from '../support/fulfilment-fixtures.js';
import { placedOrder, STORE_URL, type TestStoreDeps, testStoreDeps } from '../support/store-fixtures.js';

vi.mock('../../lib/app/index.js', async () => (await import('../support/app-under-test.js')).appModule);

/**
 * The admin's order actions as a signed-in merchant runs them, each change checked where it ends:
 * the order in the store's database and its event at the emulator (metric, unique_id, value,
 * TrackingURL), after the outbox has delivered it.
 */
vi.mock('next/headers', async () => (await import('../support/action-request.js')).nextHeaders);

let emu: TestEmulator;
withEmulator({ rateLimits: false }, (started) => {
  emu = started;
});
let deps: TestStoreDeps;
withTestApp(testStoreDeps, (fresh) => {
  deps = fresh;
});
beforeEach(async () => {
  jar.clear();
  jar.set(NEXT_AUTH_COOKIE, await adminSession({ role: 'merchant' }));
});

const TEE = 'organic-cotton-tee-l'; // $32
const MUG = 'stoneware-mug-set-slate'; // $48
/** 3 tees and 1 mug set: $144 with free shipping. */
const LINES: [string, number][] = [
  [TEE, 3],
  [MUG, 1],
];

const byId = async (orderId: string) =>
  Object.fromEntries((await recordedLifecycle(emu, orderId)).map((e) => [e.uniqueId, e]));

describe('fulfilment from the admin', () => {
  it('ships part with tracking, then the rest; confirms and delivers a shipment, each event once at Klaviyo', async () => {
    const orderId = await placedOrder(deps, LINES);
    expect(
      await fulfilOrder({
        orderId,
        lines: [{ lineId: `${orderId}-1`, quantity: 2 }],
        carrier: 'ups',
        trackingNumber: '1Z999AA10123456784',
      }),
    ).toEqual({ ok: true, data: { fulfillmentId: `${orderId}-F1`, status: 'partially_fulfilled' } });
    expect(await fulfilOrder({ orderId, carrier: 'FedEx', trackingNumber: '449044304137821' })).toEqual({
      ok: true,
      data: { fulfillmentId: `${orderId}-F2`, status: 'fulfilled' },
    });
    expect(await updateShipment({ orderId, fulfillmentId: `${orderId}-F1`, status: 'confirmed' })).toEqual({
      ok: true,
      data: { fulfillmentId: `${orderId}-F1`, status: 'confirmed' },
    });
    expect(
      await updateShipment({ orderId, fulfillmentId: `${orderId}-F1`, status: 'delivered' }),
    ).toMatchObject({
      ok: true,
    });
    // Each status once, and never backwards.
    expect(await updateShipment({ orderId, fulfillmentId: `${orderId}-F1`, status: 'delivered' })).toEqual({
      ok: false,
      error: { field: 'status', message: `${orderId}-F1 is already delivered.` },
    });
    expect(
      await updateShipment({ orderId, fulfillmentId: `${orderId}-F1`, status: 'confirmed' }),
    ).toMatchObject({
      ok: false,
      error: { field: 'status' },
    });
    // Delivered straight from handed-over: some carriers report only the delivery.
    expect(
      await updateShipment({ orderId, fulfillmentId: `${orderId}-F2`, status: 'delivered' }),
    ).toMatchObject({
      ok: true,
    });

    const detail = await orderDetail(deps.db, orderId, STORE_URL);
    expect(detail?.shipments.map((s) => [s.id, s.carrier, s.status, s.trackingUrl])).toEqual([
      [`${orderId}-F1`, 'UPS', 'delivered', 'https://www.ups.com/track?tracknum=1Z999AA10123456784'],
      [`${orderId}-F2`, 'FedEx', 'delivered', 'https://www.fedex.com/fedextrack/?trknbr=449044304137821'],
    ]);

    await deliverTo(emu, deps.db);
    const events = await byId(orderId);
    const ups = 'https://www.ups.com/track?tracknum=1Z999AA10123456784';
    expect(events[`fulfilled-order:${orderId}:${orderId}-F1`]).toMatchObject({
      metric: 'Fulfilled Partial Order',
      value: 64,
      email: 'ada.lovelace@example.com',
      properties: { Carrier: 'UPS', TrackingNumber: '1Z999AA10123456784', TrackingURL: ups, IsPartial: true },
    });
    expect(events[`fulfilled-order:${orderId}:${orderId}-F2`]).toMatchObject({
      metric: 'Fulfilled Order',
      value: 144,
      properties: { Carrier: 'FedEx', IsPartial: false },
    });
    expect(events[`confirmed-shipment:${orderId}:${orderId}-F1`]).toMatchObject({
      metric: 'Confirmed Shipment',
      value: 64,
      properties: {
        FulfillmentId: `${orderId}-F1`,
        TrackingURL: ups,
        Items: [{ VariantID: TEE, Quantity: 2 }],
      },
    });
    expect(events[`delivered-shipment:${orderId}:${orderId}-F1`]).toMatchObject({
      metric: 'Delivered Shipment',
      value: 64,
    });
    expect(events[`delivered-shipment:${orderId}:${orderId}-F2`]).toMatchObject({
      metric: 'Delivered Shipment',
      value: 80,
    });
    expect(Object.keys(events)).toHaveLength(5);
  });

  it('refunds part and then the rest, each a positive Refunded Order at Klaviyo', async () => {
    const orderId = await placedOrder(deps, LINES);
    await fulfilOrder({ orderId });
    expect(
      await refundOrder({ orderId, lines: [{ lineId: `${orderId}-2`, quantity: 1 }], reason: 'chipped' }),
    ).toEqual({
      ok: true,
      data: { refundId: `${orderId}-R1`, amountCents: 4800, status: 'partially_refunded' },
    });
    expect(await refundOrder({ orderId, amountCents: 9600 })).toEqual({
      ok: true,
      data: { refundId: `${orderId}-R2`, amountCents: 9600, status: 'refunded' },
    });
    await deliverTo(emu, deps.db);
    const events = await byId(orderId);
    expect(events[`refunded-order:${orderId}:${orderId}-R1`]).toMatchObject({
      metric: 'Refunded Order',
      value: 48,
      properties: { RefundId: `${orderId}-R1`, IsPartial: true, Reason: 'chipped' },
    });
    expect(events[`refunded-order:${orderId}:${orderId}-R2`]).toMatchObject({
      metric: 'Refunded Order',
      value: 96,
    });
  });

  it('cancels an untouched order: a positive Cancelled Order, like a refund of the whole', async () => {
    const orderId = await placedOrder(deps, LINES);
    expect(await cancelOrder({ orderId, reason: 'customer asked' })).toEqual({
      ok: true,
      data: { status: 'cancelled' },
    });
    await deliverTo(emu, deps.db);
    expect(await recordedLifecycle(emu, orderId)).toMatchObject([
      {
        metric: 'Cancelled Order',
        uniqueId: `cancelled-order:${orderId}`,
        value: 144,
        properties: { Reason: 'customer asked' },
      },
    ]);
  });

  it('lists orders by status and by search', async () => {
    const shipped = await placedOrder(deps, [[TEE, 1]]);
    await fulfilOrder({ orderId: shipped });
    const fulfilled = await listOrders(deps.db, { status: 'fulfilled' });
    expect(fulfilled.map((o) => o.id)).toContain(shipped);
    expect(fulfilled.every((o) => o.status === 'fulfilled')).toBe(true);
    expect((await listOrders(deps.db, { search: shipped.slice(3) })).map((o) => o.id)).toEqual([shipped]);
    expect((await listOrders(deps.db, { search: 'ADA.LOVELACE' })).length).toBeGreaterThan(1);
    expect(await listOrders(deps.db, { search: '%' })).toEqual([]);
    expect(await listOrders(deps.db, { search: 'nobody@example.com' })).toEqual([]);
  });
});
