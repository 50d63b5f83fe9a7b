import { randomUUID } from 'node:crypto';
import sql from 'sql-template-tag';
import { expect, it } from 'vitest';
import type { StoreDeps } from '../../lib/store/deps.js';
import { eraseCustomer } from '../../lib/store/erasure.js';
import { cancelOrder } from '../../lib/store/orders/cancel-order.js';
import { fulfilOrder } from '../../lib/store/orders/fulfil-order.js';
import { placeOrder } from '../../lib/store/orders/place-order.js';
import { refundOrder } from '../../lib/store/orders/refund-order.js';
import { updateShipment } from '../../lib/store/orders/update-shipment.js';
import {
  cartWith,
  checkoutForm,
  onBothDatabases,
  outboxMessages,
  testStoreDeps,
} from '../support/store-fixtures.js';

/**
 * An erased customer's orders keep their lines and amounts for the books, so the merchant can still
 * ship, update, refund or cancel them; the store records each change, but no Klaviyo event is
 * enqueued: the order names nobody any more, and Klaviyo refuses an event without an identifier.
 */
const TEE = 'organic-cotton-tee-l'; // $32

/** An order of hers (her own email), then her erasure; returns the order's id. */
async function erasedOrder(deps: StoreDeps, quantity: number) {
  const email = `erased-${randomUUID().slice(0, 8)}@example.com`;
  const placed = await placeOrder(
    deps,
    checkoutForm(await cartWith(deps, [[TEE, quantity]]), { email, phone: '', marketing: {} }),
  );
  if (!placed.ok) throw new Error(placed.error.message);
  const [row] = await deps.db.query<{ customer_id: string }>(
    sql`SELECT customer_id FROM store_orders WHERE id = ${placed.data.orderId}`,
  );
  const erased = await eraseCustomer(deps, row?.customer_id ?? '', 'merchant');
  if (!erased.ok) throw new Error(erased.error.message);
  return placed.data.orderId;
}

const statusOf = async (deps: StoreDeps, orderId: string) =>
  (await deps.db.query<{ status: string }>(sql`SELECT status FROM store_orders WHERE id = ${orderId}`))[0]
    ?.status;

onBothDatabases('changes to an erased customer’s order', (db) => {
  it('ship in part, confirm, deliver, refund and ship the rest: each recorded, no event enqueued', async () => {
    const d = testStoreDeps(db());
    const orderId = await erasedOrder(d, 3);
    const before = await outboxMessages(d.db);

    expect(
      await fulfilOrder(d, {
        orderId,
        lines: [{ lineId: `${orderId}-1`, quantity: 1 }],
        carrier: 'UPS',
        trackingNumber: '1Z999',
      }),
    ).toEqual({ ok: true, data: { fulfillmentId: `${orderId}-F1`, status: 'partially_fulfilled' } });
    expect(await updateShipment(d, { orderId, fulfillmentId: `${orderId}-F1`, status: 'confirmed' })).toEqual(
      {
        ok: true,
        data: { fulfillmentId: `${orderId}-F1`, status: 'confirmed' },
      },
    );
    expect(await updateShipment(d, { orderId, fulfillmentId: `${orderId}-F1`, status: 'delivered' })).toEqual(
      {
        ok: true,
        data: { fulfillmentId: `${orderId}-F1`, status: 'delivered' },
      },
    );
    expect(await refundOrder(d, { orderId, lines: [{ lineId: `${orderId}-1`, quantity: 1 }] })).toMatchObject(
      {
        ok: true,
      },
    );
    expect(await fulfilOrder(d, { orderId })).toMatchObject({
      ok: true,
      data: { fulfillmentId: `${orderId}-F2` },
    });

    expect(await statusOf(d, orderId)).not.toBe('placed');
    const [shipments] = await d.db.query<{ n: number }>(
      sql`SELECT COUNT(*) AS n FROM store_fulfillments WHERE order_id = ${orderId}`,
    );
    expect(Number(shipments?.n)).toBe(2);
    expect(await outboxMessages(d.db)).toEqual(before);
  });

  it('cancel: the order is cancelled, no Cancelled Order is enqueued', async () => {
    const d = testStoreDeps(db());
    const orderId = await erasedOrder(d, 1);
    const before = await outboxMessages(d.db);
    expect(await cancelOrder(d, { orderId, reason: 'nobody to ship to' })).toEqual({
      ok: true,
      data: { status: 'cancelled' },
    });
    expect(await statusOf(d, orderId)).toBe('cancelled');
    expect(await outboxMessages(d.db)).toEqual(before);
  });

  it('an order of a customer not erased still sends its event (the control)', async () => {
    const d = testStoreDeps(db());
    const placed = await placeOrder(d, checkoutForm(await cartWith(d, [[TEE, 1]]), { marketing: {} }));
    if (!placed.ok) throw new Error(placed.error.message);
    const before = (await outboxMessages(d.db)).length;
    expect(await fulfilOrder(d, { orderId: placed.data.orderId })).toMatchObject({ ok: true });
    const after = await outboxMessages(d.db);
    expect(after.length).toBe(before + 1);
    expect(after.at(-1)).toMatchObject({
      kind: 'event',
      payload: { metric: 'Fulfilled Order', profile: { email: 'ada.lovelace@example.com' } },
    });
  });
});
