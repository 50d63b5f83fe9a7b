import sql from 'sql-template-tag';
import { beforeEach, describe, expect, it, vi } from 'vitest';
import { cancelOrder, fulfilOrder, refundOrder } from '../../app/(admin)/admin/(dashboard)/orders/actions.js';
import { env } from '../../lib/env.js';
import type { SqlDatabase } from '../../lib/klaviyo-next/sql/types.js';
import { adminSession, NEXT_AUTH_COOKIE as COOKIE, jar, notMerchants } from '../support/action-request.js';
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
vi.mock('next/headers', async () => (await import('../support/action-request.js')).nextHeaders);

let db: SqlDatabase;
let deps: TestStoreDeps;
withTestApp(testStoreDeps, (fresh) => {
  deps = fresh;
  db = fresh.db;
});
beforeEach(() => jar.clear());

const orderStatus = async (orderId: string) =>
  (await db.query<{ status: string }>(sql`SELECT status FROM store_orders WHERE id = ${orderId}`))[0]?.status;

describe('back office without a merchant session, in development', () => {
  it('is development here, where it used to be open', () => {
    expect(env().nodeEnv).not.toBe('production');
  });

  it.each(notMerchants)(
    'refuses fulfil, cancel and refund with %s, changing nothing',
    async (_name, cookie) => {
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
    },
  );

  it('runs for a merchant session signed with this process’s secret', async () => {
    const orderId = await placedOrder(deps, [['linen-napkins-indigo', 1]]);
    jar.set(COOKIE, await adminSession({ role: 'merchant' }));
    expect(await cancelOrder({ orderId })).toMatchObject({ ok: true });
    expect(await orderStatus(orderId)).toBe('cancelled');
  });
});
