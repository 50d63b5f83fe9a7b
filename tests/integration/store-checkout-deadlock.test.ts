import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SqlDatabase } from '../../lib/klaviyo-next/sql/types.js';
import { setStock, stockOf } from '../../lib/store/inventory.js';
import { cancelOrder } from '../../lib/store/orders/cancel-order.js';
import { placeOrder } from '../../lib/store/orders/place-order.js';
import { retryOnConflict } from '../../lib/store/retry-conflict.js';
import { dropPostgres, freshPostgres } from '../support/databases.js';
import { describeWithPostgres } from '../support/requirements.js';
import { cartWith, checkoutForm, testStoreDeps } from '../support/store-fixtures.js';

/**
 * Two carts holding the same variants in the opposite order, checked out at the same time on
 * Postgres. Stock used to be taken in cart order, so one transaction held A and waited for B while
 * the other held B and waited for A: Postgres broke the cycle by failing one with 40P01. Locks are
 * now taken in variant id order, so the second checkout simply waits for the first.
 */
const A = 'organic-cotton-tee-s';
const B = 'relaxed-chino-32';
const ROUNDS = 20;

describeWithPostgres('checkout on Postgres with carts in opposite order', () => {
  let db: SqlDatabase & { schema: string };
  beforeAll(async () => {
    db = await freshPostgres();
  });
  afterAll(async () => dropPostgres(db));

  it('never deadlocks: every checkout either succeeds or is refused for stock', async () => {
    const deps = testStoreDeps(db);
    // Enough of both for exactly half of the checkouts, so the races end in both outcomes.
    await db.transaction(async (tx) => {
      await setStock(tx, A, ROUNDS, deps.now());
      await setStock(tx, B, ROUNDS, deps.now());
    });
    const pairs: [string, string][] = [];
    for (let i = 0; i < ROUNDS; i++) {
      const forward = await cartWith(deps, [
        [A, 1],
        [B, 1],
      ]);
      const backward = await cartWith(deps, [
        [B, 1],
        [A, 1],
      ]);
      pairs.push([forward, backward]);
    }
    const outcomes = await Promise.allSettled(
      pairs.flatMap(([forward, backward]) => [
        placeOrder(deps, checkoutForm(forward, { marketing: {} })),
        placeOrder(deps, checkoutForm(backward, { marketing: {} })),
      ]),
    );
    const faults = outcomes.flatMap((o) =>
      o.status === 'rejected' ? [(o.reason as { code?: string }).code ?? String(o.reason)] : [],
    );
    expect(faults).toEqual([]);
    const results = outcomes.flatMap((o) => (o.status === 'fulfilled' ? [o.value] : []));
    const placed = results.filter((r) => r.ok);
    const refused = results.filter((r) => !r.ok);
    expect(placed).toHaveLength(ROUNDS);
    expect(refused).toHaveLength(ROUNDS);
    for (const r of refused) expect(r).toMatchObject({ ok: false, error: { field: 'cartId' } });
    expect(await stockOf(db, A)).toBe(0);
    expect(await stockOf(db, B)).toBe(0);
  }, 120_000);

  it('never deadlocks a cancellation returning stock against a checkout taking it in the other order', async () => {
    const deps = testStoreDeps(db);
    // The placed orders list C before D; checkout locks by variant id, D ('…-m') before C ('…-s').
    const [C, D] = ['linen-button-down-s', 'linen-button-down-m'];
    await db.transaction(async (tx) => {
      await setStock(tx, C, 1000, deps.now());
      await setStock(tx, D, 1000, deps.now());
    });
    const placed: string[] = [];
    for (let i = 0; i < ROUNDS; i++) {
      const result = await placeOrder(
        deps,
        checkoutForm(
          await cartWith(deps, [
            [C, 1],
            [D, 1],
          ]),
          { marketing: {} },
        ),
      );
      if (!result.ok) throw new Error(result.error.message);
      placed.push(result.data.orderId);
    }
    const carts: string[] = [];
    for (let i = 0; i < ROUNDS; i++)
      carts.push(
        await cartWith(deps, [
          [C, 1],
          [D, 1],
        ]),
      );
    const outcomes = await Promise.allSettled(
      placed.flatMap((orderId, i) => [
        cancelOrder(deps, { orderId }),
        placeOrder(deps, checkoutForm(carts[i] as string, { marketing: {} })),
      ]),
    );
    const faults = outcomes.flatMap((o) =>
      o.status === 'rejected' ? [(o.reason as { code?: string }).code ?? String(o.reason)] : [],
    );
    expect(faults).toEqual([]);
    for (const o of outcomes) expect(o).toMatchObject({ status: 'fulfilled', value: { ok: true } });
    expect(await stockOf(db, C)).toBe(1000 - ROUNDS);
  }, 120_000);
});

describe('retryOnConflict', () => {
  const failing = (codes: (string | undefined)[]) => {
    let calls = 0;
    const run = async () => {
      const code = codes[calls++];
      if (code === undefined) return calls;
      throw Object.assign(new Error(`failure ${code}`), { code });
    };
    return { run, calls: () => calls };
  };

  it('runs a transaction Postgres aborted for a deadlock or serialization failure once more', async () => {
    for (const code of ['40P01', '40001']) {
      const t = failing([code]);
      expect(await retryOnConflict(t.run)).toBe(2);
    }
  });

  it('gives up after the second conflict, and never retries any other failure', async () => {
    const twice = failing(['40P01', '40001']);
    await expect(retryOnConflict(twice.run)).rejects.toMatchObject({ code: '40001' });
    expect(twice.calls()).toBe(2);
    const other = failing(['23505']);
    await expect(retryOnConflict(other.run)).rejects.toMatchObject({ code: '23505' });
    expect(other.calls()).toBe(1);
  });
});
