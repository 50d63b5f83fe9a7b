import { beforeEach, describe, expect, it, vi } from 'vitest';
import { signUp } from '../../app/(store)/account/actions.js';
import { notifyWhenBack } from '../../app/(store)/back-in-stock/actions.js';
import { addToBag } from '../../app/(store)/cart/actions.js';
import { ACTION_LIMITS } from '../../lib/auth/request-limits.js';
import type { SqlDatabase } from '../../lib/klaviyo-next/sql/types.js';
import { request } from '../support/action-request.js';
import { withTestApp } from '../support/app-under-test.js';
import { countRows, testStoreDeps } from '../support/store-fixtures.js';

// The app's composition root, built by the same factories over this file's test database.
vi.mock('../../lib/app/index.js', async () => (await import('../support/app-under-test.js')).appModule);

/**
 * The storefront's public actions that create rows or hash passwords, played by a script behind one
 * trusted proxy (TRUSTED_PROXY_HOPS=1) that writes a new X-Forwarded-For entry into every request
 * and keeps no cookies. Before: no limit at all; 100 cookie-less adds made 100 carts.
 */
vi.mock('next/headers', async () => (await import('../support/action-request.js')).nextHeaders);
vi.mock('next/navigation', async () => (await import('../support/action-request.js')).nextNavigation);
vi.stubEnv('TRUSTED_PROXY_HOPS', '1');
// The limits run on the wall clock; it stands still here, so the counts do not depend on speed.
vi.useFakeTimers({ toFake: ['Date'], now: Date.parse('2026-12-05T07:00:00Z') });

let db: SqlDatabase;
withTestApp(testStoreDeps, (fresh) => {
  db = fresh.db;
});
beforeEach(() => request.jar.clear());

/** A request whose X-Forwarded-For ends with the proxy's entry, after whatever the client wrote. */
const from = (proxyEntry: string, i: number) => {
  request.forwardedFor = `172.16.${i >> 8}.${i & 255}, ${proxyEntry}`;
  request.jar.clear();
};
const limited = (message: string | undefined) => /Too many requests from your network/.test(message ?? '');
const form = (fields: Record<string, string>) => {
  const data = new FormData();
  for (const [k, v] of Object.entries(fields)) data.append(k, v);
  return data;
};

describe('limits on the storefront actions, per proxy-reported address', () => {
  it('cart creation: 100 cookie-less adds from one address make at most the burst of carts', async () => {
    const before = await countRows(db, 'store_carts');
    let refused = 0;
    for (let i = 0; i < 100; i++) {
      from('198.51.100.31', i);
      const result = await addToBag({ variantId: 'organic-cotton-tee-m', quantity: 1 });
      if (!result.ok && limited(result.error.message)) refused++;
    }
    const made = (await countRows(db, 'store_carts')) - before;
    expect(made).toBeLessThanOrEqual(ACTION_LIMITS.cart.capacity);
    expect(made + refused).toBe(100);
    from('198.51.100.32', 0);
    expect(await addToBag({ variantId: 'organic-cotton-tee-m', quantity: 1 })).toMatchObject({ ok: true });
  });

  it('back in stock: refused before the form is even read, once the address has used its burst', async () => {
    const answers = [];
    for (let i = 0; i < 60; i++) {
      from('198.51.100.41', i);
      answers.push(await notifyWhenBack({}, form({ email: `bis.${i}@example.com`, variantId: 'nope' })));
    }
    const refused = answers.filter((a) => limited(a.error?.message)).length;
    expect(refused).toBeGreaterThanOrEqual(60 - ACTION_LIMITS['back-in-stock'].capacity);
    from('198.51.100.42', 0);
    expect(limited((await notifyWhenBack({}, form({ email: 'x@example.com' }))).error?.message)).toBe(false);
  });

  it('sign-up: refused before any password is hashed, once the address has used its burst', async () => {
    const answers = [];
    for (let i = 0; i < 40; i++) {
      from('198.51.100.51', i);
      // No password: an unrefused form fails validation; a refused one never gets that far.
      answers.push(await signUp({}, form({ email: `signup.${i}@example.com` })));
    }
    const refused = answers.filter((a) => limited(a.error?.message));
    expect(refused.length).toBe(40 - ACTION_LIMITS['sign-up'].capacity);
    expect(refused[0]?.values?.email).toMatch(/^signup\.\d+@example\.com$/); // the form keeps what was typed
  });
});
