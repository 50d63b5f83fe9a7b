import sql from 'sql-template-tag';
import { expect, it } from 'vitest';
import { cancelOrder } from '../../lib/store/orders/cancel-order.js';
import { fulfilOrder } from '../../lib/store/orders/fulfil-order.js';
import { findOrder } from '../../lib/store/orders/records.js';
import { refundOrder } from '../../lib/store/orders/refund-order.js';
import {
  countRows,
  lifecycleEvents,
  onBothDatabases,
  placedOrder,
  STORE_URL,
  type TestStoreDeps,
  testStoreDeps,
} from '../support/store-fixtures.js';

const TEE = 'organic-cotton-tee-l'; // $32
const MUG = 'stoneware-mug-set-slate'; // $48
/** 3 tees and 1 mug set: $144 with free shipping ($96 + $48). */
const LINES: [string, number][] = [
  [TEE, 3],
  [MUG, 1],
];

onBothDatabases('refunds and back-office input', (db) => {
  it('refunds twice in part, refuses to refund more than was paid, then refunds the rest', async () => {
    const d = testStoreDeps(db());
    const orderId = await placedOrder(d, LINES);
    const byLine = await refundOrder(d, {
      orderId,
      lines: [{ lineId: `${orderId}-2`, quantity: 1 }],
      reason: 'chipped',
    });
    expect(byLine).toEqual({
      ok: true,
      data: { refundId: `${orderId}-R1`, amountCents: 4800, status: 'partially_refunded' },
    });
    expect(await refundOrder(d, { orderId, amountCents: '1500' })).toMatchObject({
      ok: true,
      data: { refundId: `${orderId}-R2`, amountCents: 1500, status: 'partially_refunded' },
    });
    const before = await countRows(d.db, 'klaviyo_outbox');
    expect(await refundOrder(d, { orderId, amountCents: 8101 })).toEqual({
      ok: false,
      error: { field: 'amountCents', message: `At most $81.00 of ${orderId} can still be refunded.` },
    });
    expect(await refundOrder(d, { orderId, lines: [{ lineId: `${orderId}-2`, quantity: 1 }] })).toMatchObject(
      {
        ok: false,
        error: { field: 'lines.0.quantity' },
      },
    );
    expect(await countRows(d.db, 'klaviyo_outbox')).toBe(before);
    expect(await refundOrder(d, { orderId, amountCents: 8100 })).toMatchObject({
      ok: true,
      data: { status: 'refunded' },
    });
    expect(await refundOrder(d, { orderId, amountCents: 1 })).toMatchObject({
      ok: false,
      error: { field: 'orderId' },
    });

    const order = await findOrder(d.db, orderId, STORE_URL);
    expect(order).toMatchObject({ status: 'refunded', refundedCents: 14_400, totalCents: 14_400 });
    const events = await lifecycleEvents(d.db, orderId);
    expect(events.map((e) => [e.metric, e.uniqueId, e.value, e.properties.IsPartial])).toEqual([
      ['Refunded Order', `refunded-order:${orderId}:${orderId}-R1`, 48, true],
      ['Refunded Order', `refunded-order:${orderId}:${orderId}-R2`, 15, true],
      ['Refunded Order', `refunded-order:${orderId}:${orderId}-R3`, 81, true],
    ]);
    expect(events[0]?.properties).toMatchObject({
      Reason: 'chipped',
      Items: [{ VariantID: MUG, Quantity: 1 }],
    });
  });

  it('refuses an over-refund at the database too', async () => {
    const d = testStoreDeps(db());
    const orderId = await placedOrder(d, LINES);
    await expect(
      d.db.query(sql`UPDATE store_orders SET refunded_cents = total_cents + 1 WHERE id = ${orderId}`),
    ).rejects.toThrow();
  });

  it('refuses bad back-office input by field, enqueuing nothing', async () => {
    const d = testStoreDeps(db());
    const orderId = await placedOrder(d, LINES);
    const before = await countRows(d.db, 'klaviyo_outbox');
    const line = `${orderId}-1`;
    const cases: [
      (deps: TestStoreDeps, input: unknown) => Promise<{ ok: boolean }>,
      unknown,
      string | undefined,
    ][] = [
      [fulfilOrder, { orderId: 'NW-999999' }, 'orderId'],
      [fulfilOrder, { orderId: 'DROP TABLE' }, 'orderId'],
      [fulfilOrder, { orderId, lines: [] }, 'lines'],
      [fulfilOrder, { orderId, lines: [{ lineId: 'NW-1-9', quantity: 1 }] }, 'lines.0.lineId'],
      [fulfilOrder, { orderId, lines: [{ lineId: line, quantity: 0 }] }, 'lines.0.quantity'],
      [
        fulfilOrder,
        {
          orderId,
          lines: [
            { lineId: line, quantity: 1 },
            { lineId: line, quantity: 1 },
          ],
        },
        'lines',
      ],
      [fulfilOrder, { orderId, status: 'fulfilled' }, 'status'],
      [cancelOrder, { orderId, reason: 'x'.repeat(201) }, 'reason'],
      [cancelOrder, {}, 'orderId'],
      [refundOrder, { orderId }, 'amountCents'],
      [refundOrder, { orderId, amountCents: -5 }, 'amountCents'],
      [refundOrder, { orderId, amountCents: 10.5 }, 'amountCents'],
      [refundOrder, { orderId, amountCents: 'lots' }, 'amountCents'],
      [refundOrder, { orderId, lines: [{ lineId: line, quantity: 4 }] }, 'lines.0.quantity'],
      [refundOrder, 'orderId=1', undefined],
    ];
    for (const [action, input, field] of cases) {
      const result = await action(d, input);
      expect(result, JSON.stringify(input)).toMatchObject({ ok: false, error: field ? { field } : {} });
    }
    expect(await countRows(d.db, 'klaviyo_outbox')).toBe(before);
    expect(d.deliveries.scheduled).toBe(1); // the checkout only
  });
});
