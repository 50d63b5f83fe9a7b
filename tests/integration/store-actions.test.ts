import { encode } from 'next-auth/jwt';
import { describe, expect, it, vi } from 'vitest';
import { cancelOrder, fulfilOrder, refundOrder } from '../../app/(admin)/admin/(dashboard)/orders/actions.js';
import { placeOrder } from '../../app/(store)/checkout/actions.js';
import { env } from '../../lib/env.js';
import type { SqlDatabase } from '../../lib/klaviyo-next/sql/types.js';
import { placeOrder as placeOrderInStore } from '../../lib/store/orders/place-order.js';
import { jar } from '../support/action-request.js';
import { withTestApp } from '../support/app-under-test.js';
import {
  cartWith,
  checkoutForm,
  countRows,
  type TestStoreDeps,
  testStoreDeps,
} from '../support/store-fixtures.js';

// The app's composition root, built by the same factories over this file's test database.
vi.mock('../../lib/app/index.js', async () => (await import('../support/app-under-test.js')).appModule);

/**
 * The server actions themselves, as Next.js calls them (public POST endpoints taking whatever a
 * client sends), wired to a fresh SQLite through the store's dependency seam.
 */
let db: SqlDatabase;
let deps: TestStoreDeps;

// The back office runs only for a merchant's next-auth session (tests/integration/back-office-access
// plays the refusals); here the request carries one, signed with this process's secret.
vi.mock('next/headers', async () => (await import('../support/action-request.js')).nextHeaders);

withTestApp(testStoreDeps, (fresh) => {
  deps = fresh;
  db = fresh.db;
});

describe('server actions', () => {
  it('placeOrder refuses bad input by field before touching anything', async () => {
    const cartId = await cartWith(deps, [['organic-cotton-tee-m', 1]]);
    const before = await countRows(db, 'klaviyo_outbox');
    const cases: [unknown, string | undefined][] = [
      [undefined, undefined],
      [42, undefined],
      [checkoutForm(cartId, { email: 'nope' }), 'email'],
      [checkoutForm(cartId, { totalCents: 0 }), 'totalCents'],
      [checkoutForm(cartId, { shippingAddress: undefined }), 'shippingAddress'],
    ];
    for (const [input, field] of cases) {
      const result = await placeOrder(input);
      expect(result, JSON.stringify(input)).toMatchObject({ ok: false });
      if (!result.ok) expect(result.error.field).toBe(field);
    }
    expect(await countRows(db, 'klaviyo_outbox')).toBe(before);
  });

  it('back-office actions change orders and refuse bad input', async () => {
    jar.set(
      'next-auth.session-token',
      await encode({ token: { sub: 'admin:1', role: 'merchant' }, secret: env().auth.secret }),
    );
    const placed = await placeOrderInStore(
      deps,
      checkoutForm(await cartWith(deps, [['linen-napkins-indigo', 2]])),
    );
    if (!placed.ok) throw new Error(placed.error.message);
    const { orderId } = placed.data;
    const before = await countRows(db, 'klaviyo_outbox');
    expect(await fulfilOrder({ orderId: 42 })).toMatchObject({ ok: false, error: { field: 'orderId' } });
    expect(await refundOrder({ orderId, amountCents: 0 })).toMatchObject({
      ok: false,
      error: { field: 'amountCents' },
    });
    expect(await cancelOrder(null)).toMatchObject({ ok: false });
    expect(await countRows(db, 'klaviyo_outbox')).toBe(before);

    expect(await refundOrder({ orderId, amountCents: 500 })).toMatchObject({
      ok: true,
      data: { status: 'partially_refunded' },
    });
    expect(await fulfilOrder({ orderId })).toMatchObject({
      ok: true,
      data: { fulfillmentId: `${orderId}-F1` },
    });
    expect(await cancelOrder({ orderId })).toMatchObject({ ok: false, error: { field: 'orderId' } });
    expect(await countRows(db, 'klaviyo_outbox')).toBe(before + 2);
  });
});
