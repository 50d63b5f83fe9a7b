import { randomBytes, randomUUID } from 'node:crypto';
import sql from 'sql-template-tag';
import { beforeEach, describe, expect, it, vi } from 'vitest';
import {
  eraseCustomer,
  eraseCustomerFormAction,
} from '../../app/(admin)/admin/(dashboard)/customers/erase-action.js';
import { eraseMyData } from '../../app/(store)/account/erase/actions.js';
import type { SqlDatabase } from '../../lib/klaviyo-next/sql/types.js';
import { SHOPPER_SESSION_COOKIE } from '../../lib/store/cookies.js';
import { accountThroughLink, type TestLinks } from '../support/account-links.js';
import {
  NEXT_AUTH_COOKIE as ADMIN_COOKIE,
  adminSession,
  jar,
  MADE_UP_ADMIN_COOKIE,
} from '../support/action-request.js';
import { withTestApp } from '../support/app-under-test.js';
import { type TestStoreDeps, testStoreDeps } from '../support/store-fixtures.js';

// The app's composition root, built by the same factories over this file's test database.
vi.mock('../../lib/app/index.js', async () => (await import('../support/app-under-test.js')).appModule);

/**
 * Who may erase whom, through the two server actions (public POST endpoints): a shopper erases only
 * the customer her own session names, whatever the form says; a merchant's next-auth session erases
 * any customer; anyone else (no cookie, a made-up one, another shopper's session, a signed-in
 * non-merchant, an expired merchant session, a replayed request after the erasure) erases nobody.
 */
vi.mock('next/headers', async () => (await import('../support/action-request.js')).nextHeaders);

let db: SqlDatabase;
let deps: TestStoreDeps;
withTestApp(testStoreDeps, (fresh) => {
  deps = fresh;
  db = fresh.db;
});
beforeEach(() => jar.clear());

/** A shopper with a proven account: her customer id and a live session token. */
async function shopperWithAccount(tag: string) {
  const email = `${tag}-${randomUUID().slice(0, 8)}@example.com`;
  const token = await accountThroughLink(deps, deps.links as TestLinks, {
    email,
    password: 'correct horse battery staple',
    firstName: 'Grace',
    lastName: 'Hopper',
  });
  const [row] = await db.query<{ id: string }>(sql`SELECT id FROM store_customers WHERE email = ${email}`);
  if (!row) throw new Error('no customer');
  return { email, token, customerId: row.id };
}

async function isErased(customerId: string) {
  const [row] = await db.query<{ erased_at: number | null }>(
    sql`SELECT erased_at FROM store_customers WHERE id = ${customerId}`,
  );
  return row?.erased_at != null;
}

async function audits(customerId: string) {
  const [row] = await db.query<{ n: number }>(
    sql`SELECT COUNT(*) AS n FROM store_erasures WHERE customer_id = ${customerId}`,
  );
  return Number(row?.n);
}

describe('a shopper erasing her own data', () => {
  it('refuses without a session, with a made-up cookie, and erases nobody', async () => {
    const her = await shopperWithAccount('no-session');
    expect(await eraseMyData({ confirm: 'erase' })).toMatchObject({ ok: false });
    jar.set(SHOPPER_SESSION_COOKIE, randomBytes(32).toString('base64url'));
    expect(await eraseMyData({ confirm: 'erase' })).toMatchObject({
      ok: false,
      error: { message: expect.stringMatching(/Sign in/) },
    });
    expect(await isErased(her.customerId)).toBe(false);
  });

  it("another shopper's session erases only that shopper, never the one the form names", async () => {
    const her = await shopperWithAccount('victim');
    const stranger = await shopperWithAccount('stranger');
    jar.set(SHOPPER_SESSION_COOKIE, stranger.token);
    // Naming someone in the form is refused outright: who is erased comes from the session.
    for (const named of [{ email: her.email }, { customerId: her.customerId }]) {
      expect(await eraseMyData({ confirm: 'erase', ...named })).toMatchObject({
        ok: false,
        error: { message: expect.stringMatching(/is not accepted here/) },
      });
    }
    expect(await isErased(her.customerId)).toBe(false);
    expect(await isErased(stranger.customerId)).toBe(false);
    expect(await eraseMyData({ confirm: 'erase' })).toEqual({ ok: true, data: { erased: true } });
    expect(await isErased(stranger.customerId)).toBe(true);
    expect(await isErased(her.customerId)).toBe(false);
  });

  it('needs the confirmation, then erases her, signs her out, and a replay of the request finds nobody', async () => {
    const her = await shopperWithAccount('self');
    jar.set(SHOPPER_SESSION_COOKIE, her.token);
    expect(await eraseMyData({ confirm: 'yes' })).toMatchObject({ ok: false, error: { field: 'confirm' } });
    expect(await isErased(her.customerId)).toBe(false);
    expect(await eraseMyData({ confirm: 'erase' })).toEqual({ ok: true, data: { erased: true } });
    expect(jar.has(SHOPPER_SESSION_COOKIE)).toBe(false);
    expect(await isErased(her.customerId)).toBe(true);
    // The same request again, cookie and all: her sessions went with her account.
    jar.set(SHOPPER_SESSION_COOKIE, her.token);
    expect(await eraseMyData({ confirm: 'erase' })).toMatchObject({ ok: false });
    expect(await audits(her.customerId)).toBe(1);
  });

  it('two requests of hers at once erase her once', async () => {
    const her = await shopperWithAccount('double');
    jar.set(SHOPPER_SESSION_COOKIE, her.token);
    const results = await Promise.all([eraseMyData({ confirm: 'erase' }), eraseMyData({ confirm: 'erase' })]);
    expect(results.some((r) => r.ok)).toBe(true);
    expect(await isErased(her.customerId)).toBe(true);
    expect(await audits(her.customerId)).toBe(1);
    const [deletions] = await db.query<{ n: number }>(
      sql`SELECT COUNT(*) AS n FROM klaviyo_outbox WHERE kind = 'profile-deletion' AND payload LIKE ${`%"${her.email}"%`}`,
    );
    expect(Number(deletions?.n)).toBe(1);
  });
});

describe('a merchant erasing a customer', () => {
  const strangers: [string, () => Promise<string | undefined>, string][] = [
    ['no cookie', async () => undefined, 'unauthenticated'],
    ['a made-up cookie', async () => MADE_UP_ADMIN_COOKIE, 'unauthenticated'],
    ['a signed-in session without the merchant role', () => adminSession({}), 'forbidden'],
    [
      'an expired merchant session',
      () => adminSession({ role: 'merchant' }, { maxAge: -60 }),
      'unauthenticated',
    ],
  ];

  it.each(strangers)('refuses %s with its code, erasing nobody', async (_name, cookie, code) => {
    const her = await shopperWithAccount('merchant-target');
    const value = await cookie();
    if (value) jar.set(ADMIN_COOKIE, value);
    // A shopper's own session is no merchant either.
    jar.set(SHOPPER_SESSION_COOKIE, her.token);
    for (const input of [{ customerId: her.customerId }, { email: her.email }])
      expect(await eraseCustomer(input)).toMatchObject({
        ok: false,
        error: { code, message: expect.stringMatching(/merchant/) },
      });
    // The page's form too: refused by value (no redirect), as every admin action answers.
    const form = new FormData();
    form.append('customerId', her.customerId);
    form.append('confirm', 'yes');
    expect(await eraseCustomerFormAction(form)).toMatchObject({ ok: false, error: { code } });
    expect(await isErased(her.customerId)).toBe(false);
  });

  it("the form action takes only the page's form: a client's JSON arguments are refused by value", async () => {
    jar.set(ADMIN_COOKIE, await adminSession({ role: 'merchant' }));
    const her = await shopperWithAccount('not-a-form');
    expect(await eraseCustomerFormAction({ customerId: her.customerId, confirm: 'yes' })).toMatchObject({
      ok: false,
      error: { code: 'invalid', field: 'customerId' },
    });
    expect(await isErased(her.customerId)).toBe(false);
  });

  it('names the field of bad input, and erases by id or by email', async () => {
    jar.set(ADMIN_COOKIE, await adminSession({ role: 'merchant' }));
    expect(await eraseCustomer({})).toMatchObject({ ok: false, error: { field: 'customerId' } });
    expect(await eraseCustomer({ customerId: 'x', role: 'merchant' })).toMatchObject({
      ok: false,
      error: { field: 'role' },
    });
    expect(await eraseCustomer({ email: 'nobody@example.com' })).toMatchObject({
      ok: false,
      error: { field: 'email' },
    });
    expect(await eraseCustomer({ customerId: randomUUID() })).toMatchObject({
      ok: false,
      error: { field: 'customerId' },
    });
    const byId = await shopperWithAccount('by-id');
    const byEmail = await shopperWithAccount('by-email');
    expect(await eraseCustomer({ customerId: byId.customerId })).toMatchObject({
      ok: true,
      data: { alreadyErased: false },
    });
    expect(await eraseCustomer({ email: byEmail.email })).toMatchObject({ ok: true });
    expect(await isErased(byId.customerId)).toBe(true);
    expect(await isErased(byEmail.customerId)).toBe(true);
    const [audit] = await db.query<{ requested_by: string }>(
      sql`SELECT requested_by FROM store_erasures WHERE customer_id = ${byId.customerId}`,
    );
    expect(audit?.requested_by).toBe('merchant');
  });

  it('two merchants erasing one customer at once: erased once, the second told so', async () => {
    jar.set(ADMIN_COOKIE, await adminSession({ role: 'merchant' }));
    const her = await shopperWithAccount('two-merchants');
    const [a, b] = await Promise.all([
      eraseCustomer({ customerId: her.customerId }),
      eraseCustomer({ customerId: her.customerId }),
    ]);
    if (!a.ok || !b.ok) throw new Error('an erasure failed');
    expect([a.data.alreadyErased, b.data.alreadyErased].sort()).toEqual([false, true]);
    expect(await audits(her.customerId)).toBe(1);
  });
});
