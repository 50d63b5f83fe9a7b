import sql from 'sql-template-tag';
import { beforeEach, describe, expect, it, vi } from 'vitest';
import {
  cancelOrder,
  fulfilOrder,
  refundOrder,
  updateShipment,
} from '../../app/(admin)/admin/(dashboard)/orders/actions.js';
import { SHOPPER_SESSION_COOKIE } from '../../lib/store/cookies.js';
import { adminSession, jar, MADE_UP_ADMIN_COOKIE, NEXT_AUTH_COOKIE } from '../support/action-request.js';
import { withTestApp } from '../support/app-under-test.js';
import { shopperSessionOf } from '../support/fulfilment-fixtures.js';
import { countRows, placedOrder, type TestStoreDeps, testStoreDeps } from '../support/store-fixtures.js';

vi.mock('../../lib/app/index.js', async () => (await import('../support/app-under-test.js')).appModule);

/**
 * The admin's order actions played by someone other than the merchant: nobody, a made-up cookie, a
 * signed-in non-merchant, the shopper who placed the order (her own store session, and her session
 * token put where the admin's cookie goes), an expired merchant session. Each is refused before the
 * input is read, and nothing changes. Then a merchant asking for too much: over-fulfil, over-refund,
 * a shipment of another order, each refused by field with nothing recorded.
 */
vi.mock('next/headers', async () => (await import('../support/action-request.js')).nextHeaders);

let deps: TestStoreDeps;
withTestApp(testStoreDeps, (fresh) => {
  deps = fresh;
});
beforeEach(() => jar.clear());

const TEE = 'organic-cotton-tee-l'; // $32
const shipments = async (orderId: string) =>
  (
    await deps.db.query<{ id: string; shipment_status: string }>(
      sql`SELECT id, shipment_status FROM store_fulfillments WHERE order_id = ${orderId}`,
    )
  ).map((r) => `${r.id}:${r.shipment_status}`);
const orderRow = async (orderId: string) =>
  (
    await deps.db.query<{ status: string; refunded_cents: number }>(
      sql`SELECT status, refunded_cents FROM store_orders WHERE id = ${orderId}`,
    )
  )[0];

describe('order actions for someone other than the merchant', () => {
  const callers: [string, (orderId: string) => Promise<void>][] = [
    ['no cookie', async () => {}],
    ['a made-up cookie', async () => void jar.set(NEXT_AUTH_COOKIE, MADE_UP_ADMIN_COOKIE)],
    [
      'a signed-in session without the merchant role',
      async () => void jar.set(NEXT_AUTH_COOKIE, await adminSession({})),
    ],
    [
      'a session claiming another role',
      async () => void jar.set(NEXT_AUTH_COOKIE, await adminSession({ role: 'shopper' })),
    ],
    [
      'the shopper who placed the order, signed in to the store',
      async (orderId) =>
        void jar.set(SHOPPER_SESSION_COOKIE, await shopperSessionOf(deps.db, orderId, deps.now())),
    ],
    [
      'the shopper’s session token in the admin’s cookie',
      async (orderId) => void jar.set(NEXT_AUTH_COOKIE, await shopperSessionOf(deps.db, orderId, deps.now())),
    ],
    [
      'an expired merchant session',
      async () => void jar.set(NEXT_AUTH_COOKIE, await adminSession({ role: 'merchant' }, { maxAge: -60 })),
    ],
  ];

  it.each(callers)('refuses fulfil, shipment updates, cancel and refund with %s', async (_name, signIn) => {
    const orderId = await placedOrder(deps, [[TEE, 2]]);
    // A shipment made by the merchant, so its updates can be tried too.
    jar.set(NEXT_AUTH_COOKIE, await adminSession({ role: 'merchant' }));
    expect(await fulfilOrder({ orderId, lines: [{ lineId: `${orderId}-1`, quantity: 1 }] })).toMatchObject({
      ok: true,
    });
    jar.clear();
    await signIn(orderId);
    const before = await countRows(deps.db, 'klaviyo_outbox');
    const fulfillmentId = `${orderId}-F1`;
    for (const attempt of [
      () => fulfilOrder({ orderId }),
      () => updateShipment({ orderId, fulfillmentId, status: 'confirmed' }),
      () => updateShipment({ orderId, fulfillmentId, status: 'delivered' }),
      () => refundOrder({ orderId, amountCents: 500 }),
      () => cancelOrder({ orderId }),
      // Bad input too: the session is checked first, so a stranger learns nothing about it.
      () => refundOrder({ orderId: 'NW-000000', amountCents: -1 }),
    ]) {
      expect(await attempt()).toMatchObject({
        ok: false,
        error: { message: expect.stringMatching(/merchant/) },
      });
    }
    expect(await countRows(deps.db, 'klaviyo_outbox')).toBe(before);
    expect(await orderRow(orderId)).toMatchObject({ status: 'partially_fulfilled', refunded_cents: 0 });
    expect(await shipments(orderId)).toEqual([`${fulfillmentId}:fulfilled`]);
  });
});

describe('a merchant asking for more than the order holds', () => {
  beforeEach(async () => {
    jar.set(NEXT_AUTH_COOKIE, await adminSession({ role: 'merchant' }));
  });

  it('is refused by field, recording nothing', async () => {
    const orderId = await placedOrder(deps, [[TEE, 2]]);
    const other = await placedOrder(deps, [[TEE, 1]]);
    await fulfilOrder({ orderId: other });
    const line = `${orderId}-1`;
    const total = Number(
      (
        await deps.db.query<{ t: number }>(
          sql`SELECT total_cents AS t FROM store_orders WHERE id = ${orderId}`,
        )
      )[0]?.t,
    );
    const most = `$${(total / 100).toFixed(2)}`;
    const before = await countRows(deps.db, 'klaviyo_outbox');
    const refusals: [() => Promise<unknown>, string, RegExp][] = [
      [
        () => fulfilOrder({ orderId, lines: [{ lineId: line, quantity: 3 }] }),
        'lines.0.quantity',
        /Only 2 of/,
      ],
      [
        () => fulfilOrder({ orderId, lines: [{ lineId: `${other}-1`, quantity: 1 }] }),
        'lines.0.lineId',
        /is not a line of/,
      ],
      [
        () => fulfilOrder({ orderId, carrier: 'Pigeon Post', trackingNumber: 'ABC123' }),
        'carrier',
        /UPS, USPS, FedEx, DHL/,
      ],
      [() => fulfilOrder({ orderId, carrier: 'UPS' }), 'trackingNumber', /needed with the carrier/],
      [() => fulfilOrder({ orderId, trackingNumber: '1Z999' }), 'carrier', /needed with a tracking number/],
      [
        () => fulfilOrder({ orderId, carrier: 'UPS', trackingNumber: '1Z9?x=<b>' }),
        'trackingNumber',
        /not a tracking number/,
      ],
      [
        () => refundOrder({ orderId, amountCents: total + 1 }),
        'amountCents',
        new RegExp(`At most \\${most} of`),
      ],
      [
        () => refundOrder({ orderId, lines: [{ lineId: line, quantity: 3 }] }),
        'lines.0.quantity',
        /Only 2 of/,
      ],
      [
        () => updateShipment({ orderId, fulfillmentId: `${other}-F1`, status: 'delivered' }),
        'fulfillmentId',
        /is not a shipment of/,
      ],
      [
        () => updateShipment({ orderId, fulfillmentId: `${orderId}-F1`, status: 'delivered' }),
        'fulfillmentId',
        /is not a shipment of/,
      ],
      [() => updateShipment({ orderId, fulfillmentId: `${orderId}-F1`, status: 'lost' }), 'status', /./],
      [
        () => updateShipment({ orderId, fulfillmentId: "x' OR 1=1", status: 'delivered' }),
        'fulfillmentId',
        /not a shipment/,
      ],
    ];
    for (const [attempt, field, message] of refusals) {
      expect(await attempt(), field).toMatchObject({
        ok: false,
        error: { field, message: expect.stringMatching(message) },
      });
    }
    expect(await countRows(deps.db, 'klaviyo_outbox')).toBe(before);
    expect(await orderRow(orderId)).toMatchObject({ status: 'placed', refunded_cents: 0 });
    expect(await shipments(orderId)).toEqual([]);

    // Refunding everything is allowed once; a cent more after that is refused.
    expect(await refundOrder({ orderId, amountCents: total })).toMatchObject({
      ok: true,
      data: { status: 'refunded' },
    });
    expect(await refundOrder({ orderId, amountCents: 1 })).toMatchObject({
      ok: false,
      error: { field: 'orderId' },
    });
    expect(await fulfilOrder({ orderId })).toMatchObject({ ok: false, error: { field: 'orderId' } });
  });

  it('refuses a replayed fulfil or refund (the form says what it saw), applying each once', async () => {
    const orderId = await placedOrder(deps, [[TEE, 3]]);
    const ship = { orderId, seen: 0, lines: [{ lineId: `${orderId}-1`, quantity: 1 }] };
    expect(await fulfilOrder(ship)).toMatchObject({ ok: true, data: { fulfillmentId: `${orderId}-F1` } });
    const before = await countRows(deps.db, 'klaviyo_outbox');
    expect(await fulfilOrder(ship)).toEqual({
      ok: false,
      error: {
        field: 'seen',
        message: `${orderId} has had another shipment since this form was shown; look at the order again.`,
      },
    });
    const refund = { orderId, seen: 0, amountCents: 500 };
    expect(await refundOrder(refund)).toMatchObject({ ok: true });
    expect(await refundOrder(refund)).toMatchObject({ ok: false, error: { field: 'seen' } });
    expect(await countRows(deps.db, 'klaviyo_outbox')).toBe(before + 1);
    expect(await orderRow(orderId)).toMatchObject({ refunded_cents: 500 });
    expect(await shipments(orderId)).toEqual([`${orderId}-F1:fulfilled`]);
    // What the page shows next carries the new counts, and goes through.
    expect(await fulfilOrder({ ...ship, seen: 1 })).toMatchObject({
      ok: true,
      data: { fulfillmentId: `${orderId}-F2` },
    });
  });
});
