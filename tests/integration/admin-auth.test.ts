import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { NextRequest } from 'next/server';
import type { Session } from 'next-auth';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { z } from 'zod';
import { TooManyAttempts, verifyAdminCredentials } from '../../lib/auth/credentials.js';
import { devAdminPassword } from '../../lib/auth/dev-password.js';
import { checkMerchant, merchantGuard } from '../../lib/auth/index.js';
import { hashPassword, verifyPassword } from '../../lib/auth/password.js';
import { type SignInThrottle, signInThrottle } from '../../lib/auth/throttle.js';
import { ConfigError, PASSWORD_HASH_PATTERN, parseEnv } from '../../lib/env.js';
import { KlaviyoApiError } from '../../lib/klaviyo-next/api/errors.js';
import { guardedAction } from '../../lib/klaviyo-next/dashboard/actions.js';
import { AdminError } from '../../lib/klaviyo-next/dashboard/errors.js';
import { RateLimiter } from '../../lib/klaviyo-next/http/rate-limit.js';
import type { SqlDatabase } from '../../lib/klaviyo-next/sql/types.js';
import { proxy } from '../../proxy.js';
import { freshSqlite } from '../support/databases.js';

const ROOT = new URL('../../', import.meta.url).pathname;
const FAST = { N: 2 ** 10, r: 8, p: 1 };

const problemsOf = (source: Record<string, string>) => {
  try {
    parseEnv(source);
    return [];
  } catch (error) {
    if (error instanceof ConfigError) return error.problems;
    throw error;
  }
};

const PRODUCTION = {
  NODE_ENV: 'production',
  KLAVIYO_API_URL: 'https://a.klaviyo.com',
  KLAVIYO_PRIVATE_KEY: 'pk_live_key',
  NEXT_PUBLIC_KLAVIYO_COMPANY_ID: 'AbC123',
  NEXTAUTH_SECRET: 'x'.repeat(32),
  NEXTAUTH_URL: 'https://shop.example.com',
  ADMIN_EMAIL: 'Owner@Shop.example.com',
  DATABASE_URL: 'postgres://shop@db.internal:5432/shop',
  TRUSTED_PROXY_HOPS: '1',
  STORE_LINK_SECRET: 'y'.repeat(32),
};

describe('admin password hashing (node:crypto scrypt)', () => {
  it('verifies the password it hashed, and nothing else', async () => {
    const hash = await hashPassword('correct horse battery staple', FAST);
    expect(hash).toMatch(PASSWORD_HASH_PATTERN);
    expect(hash).not.toContain('$');
    await expect(verifyPassword('correct horse battery staple', hash)).resolves.toBe(true);
    await expect(verifyPassword('correct horse battery stapl', hash)).resolves.toBe(false);
    expect(await hashPassword('same', FAST)).not.toBe(await hashPassword('same', FAST));
  });

  it('answers false, never throws, for a malformed or tampered hash', async () => {
    const hash = await hashPassword('pw', FAST);
    const parts = hash.split(':');
    await expect(verifyPassword('pw', 'bcrypt:1:2:3:abc:def')).resolves.toBe(false);
    await expect(verifyPassword('pw', [...parts.slice(0, 5), 'AAAA'].join(':'))).resolves.toBe(false);
    await expect(verifyPassword('pw', ['scrypt', 2 ** 30, 8, 1, parts[4], parts[5]].join(':'))).resolves.toBe(
      false,
    );
  });
});

describe('auth configuration', () => {
  it('refuses production without an auth secret and admin credentials, naming each variable', () => {
    const { NEXTAUTH_SECRET: _s, NEXTAUTH_URL: _u, ADMIN_EMAIL: _e, ...rest } = PRODUCTION;
    expect(problemsOf(rest)).toEqual([
      'NEXTAUTH_SECRET is required in production',
      'NEXTAUTH_URL is required in production',
      'ADMIN_EMAIL is required in production',
      expect.stringMatching(/^ADMIN_PASSWORD_HASH is required in production/),
    ]);
    expect(problemsOf({ ...PRODUCTION, NEXTAUTH_SECRET: 'short' })[0]).toMatch(
      /NEXTAUTH_SECRET must be at least 32/,
    );
    expect(problemsOf({ ...PRODUCTION, ADMIN_PASSWORD_HASH: 'hunter2' })[0]).toMatch(
      /ADMIN_PASSWORD_HASH must be/,
    );
  });

  it('accepts production with a password hash, or with an OAuth provider instead', async () => {
    const hash = await hashPassword('pw', FAST);
    const env = parseEnv({ ...PRODUCTION, ADMIN_PASSWORD_HASH: hash });
    expect(env.auth).toMatchObject({ adminEmail: 'owner@shop.example.com', adminPasswordHash: hash });
    const oauth = parseEnv({
      ...PRODUCTION,
      GITHUB_ID: 'id',
      GITHUB_SECRET: 'secret',
      ADMIN_OAUTH_EMAILS: 'a@x.io, B@x.io',
    });
    expect(oauth.auth.github).toEqual({ clientId: 'id', clientSecret: 'secret' });
    expect(oauth.auth.oauthEmails).toEqual(['owner@shop.example.com', 'a@x.io', 'b@x.io']);
  });

  it('refuses half an OAuth client in any environment', () => {
    expect(problemsOf({ GOOGLE_CLIENT_ID: 'id' })).toEqual([
      'GOOGLE_CLIENT_SECRET is required with GOOGLE_CLIENT_ID',
    ]);
  });
});

describe('credentials check', () => {
  // The throttle on a database of this file's own (the app's would be ./data/outbox.db).
  let db: SqlDatabase;
  let throttle: SignInThrottle;
  beforeAll(async () => {
    db = await freshSqlite();
    throttle = signInThrottle(new RateLimiter(db));
  });
  afterAll(() => db.close());

  it('in development accepts the generated password for the admin email only', async () => {
    const password = devAdminPassword();
    expect(password).toMatch(/^[\w-]{16}$/);
    const user = await verifyAdminCredentials(
      { email: ' Admin@Example.com ', password },
      '192.0.2.1',
      throttle,
    );
    expect(user).toMatchObject({ email: 'admin@example.com', role: 'merchant' });
    await expect(
      verifyAdminCredentials({ email: 'admin@example.com', password: 'wrong' }, '192.0.2.1', throttle),
    ).resolves.toBeNull();
    await expect(
      verifyAdminCredentials({ email: 'other@example.com', password }, '192.0.2.1', throttle),
    ).resolves.toBeNull();
    await expect(
      verifyAdminCredentials({ email: 'admin@example.com' }, '192.0.2.1', throttle),
    ).resolves.toBeNull();
  });

  // Before: 10 failures locked `email|address` for 15 minutes, in one process's memory, keyed on an
  // address the client wrote. Now the brake is per address and per account, in the database, and
  // answers TooManyAttempts (the sign-in page says to wait) rather than a silent "wrong password".
  it('refuses even the right password from a guessing address, not from another one', async () => {
    const password = devAdminPassword();
    for (let i = 0; i < 10; i++) {
      await verifyAdminCredentials(
        { email: 'admin@example.com', password: `guess-${i}` },
        '198.51.100.13',
        throttle,
      ).catch(() => null);
    }
    await expect(
      verifyAdminCredentials({ email: 'admin@example.com', password }, '198.51.100.13', throttle),
    ).rejects.toBeInstanceOf(TooManyAttempts);
    await expect(
      verifyAdminCredentials({ email: 'admin@example.com', password }, '203.0.113.20', throttle),
    ).resolves.not.toBeNull();
  });

  it('checks ADMIN_PASSWORD_HASH when one is set, and then generates no password', async () => {
    vi.stubEnv('ADMIN_PASSWORD_HASH', await hashPassword('s3cret-admin', FAST));
    vi.stubEnv('ADMIN_EMAIL', 'owner@shop.example.com');
    vi.resetModules();
    const credentials = await import('../../lib/auth/credentials.js');
    const dev = await import('../../lib/auth/dev-password.js');
    expect(dev.devAdminPassword()).toBeUndefined();
    const ok = await credentials.verifyAdminCredentials(
      { email: 'owner@shop.example.com', password: 's3cret-admin' },
      '192.0.2.2',
      throttle,
    );
    expect(ok?.role).toBe('merchant');
    await expect(
      credentials.verifyAdminCredentials(
        { email: 'owner@shop.example.com', password: 'nope' },
        '192.0.2.2',
        throttle,
      ),
    ).resolves.toBeNull();
    vi.unstubAllEnvs();
    vi.resetModules();
  });
});

describe('session checks', () => {
  const merchant = { user: { id: 'admin:1', email: 'a@b.co', role: 'merchant' }, expires: '' } as Session;
  const stranger = { user: { id: 'gh:2', email: 'c@d.co' }, expires: '' } as Session;

  it('tells no session (401) from a session without the merchant role (403)', async () => {
    await expect(checkMerchant(async () => null)).resolves.toMatchObject({ ok: false, status: 401 });
    await expect(checkMerchant(async () => stranger)).resolves.toMatchObject({ ok: false, status: 403 });
    await expect(checkMerchant(async () => merchant)).resolves.toMatchObject({ ok: true });
  });

  it('builds server actions that ask the merchant guard inside, then parse, then run', async () => {
    const ran: unknown[] = [];
    const build = (session: Session | null) =>
      guardedAction(
        merchantGuard(async () => session),
        z.object({ name: z.string().min(1, 'Give it a name.') }),
        async (input) => {
          ran.push(input);
          if (input.name === 'gone')
            throw new KlaviyoApiError('get_list', { status: 404, code: 'not_found', detail: 'No list.' });
          if (input.name === 'bad') throw new AdminError('invalid', 'Not like that.');
          return { created: input.name };
        },
      );
    await expect(build(null)({ name: 'x' })).resolves.toMatchObject({
      ok: false,
      error: { code: 'unauthenticated' },
    });
    await expect(build(stranger)({ name: 'x' })).resolves.toMatchObject({
      ok: false,
      error: { code: 'forbidden' },
    });
    expect(ran).toEqual([]);
    await expect(build(merchant)({ name: '' })).resolves.toEqual({
      ok: false,
      // The one field-error shape of every action: the field, and the message naming it.
      error: { code: 'invalid', field: 'name', message: 'name: Give it a name.' },
    });
    await expect(build(merchant)({ name: 'VIP' })).resolves.toEqual({ ok: true, data: { created: 'VIP' } });
    await expect(build(merchant)({ name: 'gone' })).resolves.toMatchObject({
      ok: false,
      error: { code: 'not_found' },
    });
    await expect(build(merchant)({ name: 'bad' })).resolves.toEqual({
      ok: false,
      error: { code: 'invalid', message: 'Not like that.' },
    });
  });
});

describe('proxy.ts (a coarse redirect, never the protection)', () => {
  it('sends a cookieless GET of an admin page to sign-in, and lets everything else through to its own check', () => {
    const redirect = proxy(new NextRequest('http://shop.test/admin/lists?x=1'));
    expect(redirect.status).toBe(307);
    expect(redirect.headers.get('location')).toBe(
      'http://shop.test/admin/sign-in?callbackUrl=%2Fadmin%2Flists%3Fx%3D1',
    );
    const withCookie = new NextRequest('http://shop.test/admin', {
      headers: { cookie: 'next-auth.session-token=forged' },
    });
    expect(proxy(withCookie).headers.get('x-middleware-next')).toBe('1');
    expect(
      proxy(new NextRequest('http://shop.test/admin/lists', { method: 'POST' })).headers.get(
        'x-middleware-next',
      ),
    ).toBe('1');
    expect(proxy(new NextRequest('http://shop.test/admin/sign-in')).headers.get('x-middleware-next')).toBe(
      '1',
    );
  });
});

/** Every file under `dir` whose name matches. */
function walk(dir: string, name: RegExp): string[] {
  return readdirSync(dir).flatMap((entry) => {
    const path = join(dir, entry);
    if (statSync(path).isDirectory()) return walk(path, name);
    return name.test(entry) ? [path] : [];
  });
}

/*
 * A static guard that complements tests/e2e/admin-access.test.ts (which proves the refusals over
 * HTTP against a production build): every admin entry point must do its own session check in the
 * agreed form, so a new page, handler or action cannot be added without one.
 */
describe('every admin entry point checks the session itself', () => {
  const pages = walk(join(ROOT, 'app/(admin)'), /^page\.tsx$/).filter((p) => !p.includes('/sign-in/'));
  const routes = walk(join(ROOT, 'app/api/admin'), /^route\.ts$/);
  const actions = walk(join(ROOT, 'app/(admin)'), /^actions\.ts$/);

  it('finds the admin pages, route handlers and action files', () => {
    expect(pages.length).toBeGreaterThanOrEqual(9);
    expect(routes.length).toBeGreaterThanOrEqual(9);
    expect(actions.length).toBeGreaterThanOrEqual(4);
  });

  it.each(pages.map((p) => [relative(ROOT, p)]))(
    '%s calls requireMerchantPage before anything else',
    (file) => {
      const source = readFileSync(join(ROOT, file), 'utf8');
      if (file.includes('/sign-in/')) return;
      const body = source.slice(source.indexOf('export default async function'));
      const firstAwait = body.match(/await (\w+)\(/)?.[1];
      if (firstAwait === 'params') expect(body).toMatch(/await params;\s+await requireMerchantPage\(/);
      else expect(firstAwait).toBe('requireMerchantPage');
    },
  );

  it.each(routes.map((p) => [relative(ROOT, p)]))(
    '%s is one line: the plugin dashboard handler, which asks the merchant guard first',
    (file) => {
      const source = readFileSync(join(ROOT, file), 'utf8');
      // Handlers only as the plugin's guarded ones (dashboard/routes.ts; the guard's refusals are
      // played against every handler in plugin-dashboard-guard.test.ts), never one written here.
      const exports = [...source.matchAll(/^export (.+)$/gm)].map((m) => m[1]);
      expect(exports.filter((line) => !/^const (runtime|dynamic) = /.test(line ?? ''))).toEqual([
        expect.stringMatching(/^const \{ GET \} = app\.klaviyo\.routes\.dashboard\.\w+;$/),
      ]);
    },
  );

  it.each(actions.map((p) => [relative(ROOT, p)]))(
    '%s forwards to the plugin dashboard actions, or asks the merchant guard before anything else',
    (file) => {
      const source = readFileSync(join(ROOT, file), 'utf8');
      expect(source.startsWith("'use server';")).toBe(true);
      const exported = [...source.matchAll(/^export async function (\w+)\(/gm)];
      expect(exported.length).toBeGreaterThan(0);
      expect(source.match(/^export /gm)?.length).toBe(exported.length);
      for (const match of exported) {
        const name = match[1] as string;
        const body = source.slice((match.index ?? 0) + match[0].length);
        // The plugin's dashboard actions ask the guard inside (plugin-dashboard-guard.test.ts).
        const forwards = body.match(/^input: [^)]*\) \{\n\s*return ([^;]+);\n\}/)?.[1];
        if (forwards?.startsWith('app.klaviyo.')) {
          expect(forwards).toBe(`app.klaviyo.dashboard.actions.${name}(input)`);
          continue;
        }
        // The store's own admin actions (orders, customers, subscriptions): the merchant's session is
        // the first thing awaited, before the input is read.
        expect(body.match(/await (\w+)\(/)?.[1], name).toMatch(/^(backOfficeDenied|merchantDenied)$/);
      }
    },
  );
});
