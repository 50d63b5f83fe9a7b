import { encode } from 'next-auth/jwt';
import sql from 'sql-template-tag';
import { beforeEach, describe, expect, it, vi } from 'vitest';
import { cancelOrder, fulfilOrder, refundOrder } from '../../app/(admin)/admin/(dashboard)/orders/actions.js';
import { env } from '../../lib/env.js';
import type { SqlDatabase } from '../../lib/klaviyo-next/sql/types.js';
import { withTestApp } from '../support/app-under-test.js';
import { countRows, placedOrder, type TestStoreDeps, testStoreDeps } from '../support/store-fixtures.js';

// The app's composition root, built by the same factories over this file's test database.
vi.mock('../../lib/app/index.js', async () => (await import('../support/app-under-test.js')).appModule);

/**
 * The back office (fulfil, cancel, refund) in development, where it used to be open to anyone: now
 * only a merchant's next-auth session runs it, in every environment. Played with no cookie, a
 * made-up cookie, a session signed with the secret that used to be published in lib/env.ts, a
 * session of a signed-in non-merchant, and an expired merchant session; a real merchant session is
 * the control.
 */
const jar = vi.hoisted(() => new Map<string, string>());
vi.mock('next/headers', () => ({
  cookies: async () => ({
    get: (name: string) => (jar.has(name) ? { name, value: jar.get(name) } : undefined),
    getAll: () => [...jar].map(([name, value]) => ({ name, value })),
    set: (name: string, value: string) => jar.set(name, value),
    delete: (name: string) => jar.delete(name),
  }),
}));

const COOKIE = 'next-auth.session-token';
const PUBLISHED_SECRET = 'development-only-nextauth-secret-never-use-in-production';

let db: SqlDatabase;
let deps: TestStoreDeps;
withTestApp(testStoreDeps, (fresh) => {
  deps = fresh;
  db = fresh.db;
});
beforeEach(() => jar.clear());

const session = (claims: Record<string, unknown>, secret = env().auth.secret, maxAge?: number) =>
  encode({
    token: { sub: 'admin:admin@example.com', email: 'admin@example.com', ...claims },
    secret,
    maxAge,
  });

const orderStatus = async (orderId: string) =>
  (await db.query<{ status: string }>(sql`SELECT status FROM store_orders WHERE id = ${orderId}`))[0]?.status;

describe('back office without a merchant session, in development', () => {
  it('is development here, where it used to be open', () => {
    expect(env().nodeEnv).not.toBe('production');
  });

  const strangers: [string, () => Promise<string | undefined>][] = [
    ['no cookie', async () => undefined],
    ['a made-up cookie', async () => 'eyJhbGciOiJkaXIiLCJlbmMiOiJBMjU2R0NNIn0.forged.forged.forged.forged'],
    [
      'a merchant session signed with the once-published secret',
      () => session({ role: 'merchant' }, PUBLISHED_SECRET),
    ],
    ['a signed-in session without the merchant role', () => session({})],
    ['an expired merchant session', () => session({ role: 'merchant' }, undefined, -60)],
  ];

  it.each(strangers)('refuses fulfil, cancel and refund with %s, changing nothing', async (_name, cookie) => {
    const orderId = await placedOrder(deps, [['linen-napkins-indigo', 2]]);
    const value = await cookie();
    if (value) jar.set(COOKIE, value);
    const before = await countRows(db, 'klaviyo_outbox');
    for (const action of [
      () => fulfilOrder({ orderId }),
      () => refundOrder({ orderId, amountCents: 500 }),
      () => cancelOrder({ orderId }),
    ]) {
      expect(await action()).toMatchObject({
        ok: false,
        error: { message: expect.stringMatching(/merchant/) },
      });
    }
    expect(await countRows(db, 'klaviyo_outbox')).toBe(before);
    expect(await orderStatus(orderId)).toBe('placed');
  });

  it('runs for a merchant session signed with this process’s secret', async () => {
    const orderId = await placedOrder(deps, [['linen-napkins-indigo', 1]]);
    jar.set(COOKIE, await session({ role: 'merchant' }));
    expect(await cancelOrder({ orderId })).toMatchObject({ ok: true });
    expect(await orderStatus(orderId)).toBe('cancelled');
  });
});
