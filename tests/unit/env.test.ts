import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { ConfigError, parseEnv } from '../../lib/env.js';

const ROOT = new URL('../../', import.meta.url).pathname;

const problemsOf = (source: Record<string, string>) => {
  try {
    parseEnv(source);
  } catch (error) {
    if (error instanceof ConfigError) return error.problems;
    throw error;
  }
  return [];
};

describe('configuration', () => {
  it('defaults to the bundled emulator in development', () => {
    const env = parseEnv({ NODE_ENV: 'development' });
    expect(env.klaviyo).toMatchObject({ apiUrl: 'http://127.0.0.1:8787', companyId: 'DEMO01', live: false });
    expect(env.database.sqlitePath).toBe('./data/outbox.db');
  });

  it('treats empty strings from a copied .env.example as unset', () => {
    expect(parseEnv({ KLAVIYO_API_URL: '', KLAVIYO_TIMEOUT_MS: '' }).klaviyo.timeoutMs).toBe(10_000);
  });

  it('names each bad variable and what is wrong with it', () => {
    const problems = problemsOf({
      KLAVIYO_PRIVATE_KEY: 'sk_live_123',
      NEXT_PUBLIC_KLAVIYO_COMPANY_ID: 'toolong1',
      KLAVIYO_TIMEOUT_MS: '5',
      DATABASE_URL: 'mysql://x',
    });
    expect(problems).toHaveLength(4);
    expect(problems.join('\n')).toMatch(/KLAVIYO_PRIVATE_KEY must be a Klaviyo private API key/);
    expect(problems.join('\n')).toMatch(/NEXT_PUBLIC_KLAVIYO_COMPANY_ID must be the six-character/);
    expect(problems.join('\n')).toMatch(/KLAVIYO_TIMEOUT_MS/);
    expect(problems.join('\n')).toMatch(/DATABASE_URL/);
  });

  it('refuses to start in production without keys, naming the variables to set', () => {
    const problems = problemsOf({ NODE_ENV: 'production' });
    expect(problems).toEqual([
      'KLAVIYO_API_URL is required in production',
      'KLAVIYO_PRIVATE_KEY is required in production',
      'KLAVIYO_PUBLIC_KEY is required in production (or its older name NEXT_PUBLIC_KLAVIYO_COMPANY_ID)',
      expect.stringMatching(/^TRUSTED_PROXY_HOPS is required in production: the number of proxies/),
      expect.stringMatching(/^DATABASE_URL is required in production .*ALLOW_SQLITE_IN_PRODUCTION=true/),
      'NEXTAUTH_SECRET is required in production',
      'NEXTAUTH_URL is required in production',
      'ADMIN_EMAIL is required in production',
      'STORE_LINK_SECRET is required in production: it signs the account links the store emails',
      expect.stringMatching(/^ADMIN_PASSWORD_HASH is required in production unless an OAuth provider/),
    ]);
  });

  it('refuses the emulator URL in production unless explicitly allowed', () => {
    const base = {
      NODE_ENV: 'production',
      KLAVIYO_API_URL: 'http://127.0.0.1:8787',
      KLAVIYO_PRIVATE_KEY: 'pk_abc',
      NEXT_PUBLIC_KLAVIYO_COMPANY_ID: 'AbC123',
      NEXTAUTH_SECRET: 'a-production-secret-of-at-least-32-chars',
      NEXTAUTH_URL: 'https://shop.example.com',
      ADMIN_EMAIL: 'owner@shop.example.com',
      GITHUB_ID: 'gh-client',
      GITHUB_SECRET: 'gh-secret',
      DATABASE_URL: 'postgres://shop@db.internal/shop',
      TRUSTED_PROXY_HOPS: '0',
      STORE_LINK_SECRET: 'a-link-secret-of-at-least-32-characters',
    };
    expect(problemsOf(base)[0]).toMatch(
      /KLAVIYO_API_URL points at http:\/\/127\.0\.0\.1:8787.*KLAVIYO_ALLOW_EMULATOR/,
    );
    expect(parseEnv({ ...base, KLAVIYO_ALLOW_EMULATOR: 'true' }).klaviyo.live).toBe(false);
    expect(parseEnv({ ...base, KLAVIYO_API_URL: 'https://a.klaviyo.com' }).klaviyo.live).toBe(true);
  });

  const production = {
    NODE_ENV: 'production',
    KLAVIYO_API_URL: 'https://a.klaviyo.com',
    KLAVIYO_PRIVATE_KEY: 'pk_live_abc',
    NEXT_PUBLIC_KLAVIYO_COMPANY_ID: 'AbC123',
    NEXTAUTH_SECRET: 'a-production-secret-of-at-least-32-chars',
    NEXTAUTH_URL: 'https://shop.example.com',
    ADMIN_EMAIL: 'owner@shop.example.com',
    GITHUB_ID: 'gh-client',
    GITHUB_SECRET: 'gh-secret',
    TRUSTED_PROXY_HOPS: '1',
    STORE_LINK_SECRET: 'a-link-secret-of-at-least-32-characters',
  };

  it('refuses production on the SQLite file unless the operator opts in by name', () => {
    expect(problemsOf(production)).toEqual([
      'DATABASE_URL is required in production (a Postgres URL); set ALLOW_SQLITE_IN_PRODUCTION=true to run on the SQLite file at OUTBOX_SQLITE_PATH instead',
    ]);
    expect(
      parseEnv({ ...production, ALLOW_SQLITE_IN_PRODUCTION: 'true' }).database.databaseUrl,
    ).toBeUndefined();
    expect(parseEnv({ ...production, DATABASE_URL: 'postgres://db/shop' }).database.databaseUrl).toBe(
      'postgres://db/shop',
    );
    // Outside production SQLite stays the default.
    expect(parseEnv({ NODE_ENV: 'development' }).database.databaseUrl).toBeUndefined();
  });

  it('refuses a live Klaviyo key outside production unless explicitly allowed', () => {
    const staging = {
      NODE_ENV: 'development',
      KLAVIYO_API_URL: 'https://a.klaviyo.com',
      KLAVIYO_PRIVATE_KEY: 'pk_live_abc',
    };
    for (const nodeEnv of ['development', 'test']) {
      expect(problemsOf({ ...staging, NODE_ENV: nodeEnv })).toEqual([
        expect.stringMatching(
          /^KLAVIYO_PRIVATE_KEY is a live key for https:\/\/a\.klaviyo\.com outside production.*KLAVIYO_ALLOW_LIVE_OUTSIDE_PRODUCTION=true/,
        ),
      ]);
    }
    expect(problemsOf({ ...staging, KLAVIYO_API_URL: 'https://A.Klaviyo.com/' })).toHaveLength(1);
    expect(parseEnv({ ...staging, KLAVIYO_ALLOW_LIVE_OUTSIDE_PRODUCTION: 'true' }).klaviyo.live).toBe(true);
    // The emulator with any key, and Klaviyo with the emulator's demo key (no key given), are fine.
    expect(problemsOf({ ...staging, KLAVIYO_API_URL: 'http://127.0.0.1:8787' })).toEqual([]);
    expect(problemsOf({ NODE_ENV: 'development', KLAVIYO_API_URL: 'https://a.klaviyo.com' })).toEqual([]);
  });

  describe('the public API key (site id) under either name', () => {
    // KLAVIYO_PUBLIC_KEY is the name Klaviyo's own guides use; NEXT_PUBLIC_KLAVIYO_COMPANY_ID is this
    // app's older name. Both are the same six-character public API key.
    it('accepts KLAVIYO_PUBLIC_KEY alone', () => {
      expect(parseEnv({ KLAVIYO_PUBLIC_KEY: 'Pk9Xy2' }).klaviyo.companyId).toBe('Pk9Xy2');
    });

    it('accepts NEXT_PUBLIC_KLAVIYO_COMPANY_ID alone', () => {
      expect(parseEnv({ NEXT_PUBLIC_KLAVIYO_COMPANY_ID: 'AbC123' }).klaviyo.companyId).toBe('AbC123');
    });

    it('accepts both when they are the same key', () => {
      const env = parseEnv({ KLAVIYO_PUBLIC_KEY: 'AbC123', NEXT_PUBLIC_KLAVIYO_COMPANY_ID: 'AbC123' });
      expect(env.klaviyo.companyId).toBe('AbC123');
    });

    it('refuses two different keys, naming both variables, rather than picking one', () => {
      // Two site ids is a misconfiguration: the browser would identify shoppers into one account
      // while the server writes their orders to another.
      for (const NODE_ENV of ['development', 'production']) {
        const problems = problemsOf({
          ...(NODE_ENV === 'production' ? production : {}),
          NODE_ENV,
          ALLOW_SQLITE_IN_PRODUCTION: 'true',
          KLAVIYO_PUBLIC_KEY: 'Pk9Xy2',
          NEXT_PUBLIC_KLAVIYO_COMPANY_ID: 'AbC123',
        });
        expect(problems).toEqual([
          expect.stringMatching(
            /^KLAVIYO_PUBLIC_KEY \(Pk9Xy2\) and NEXT_PUBLIC_KLAVIYO_COMPANY_ID \(AbC123\) are different.*set one/,
          ),
        ]);
      }
    });

    it('checks KLAVIYO_PUBLIC_KEY like the other name', () => {
      expect(problemsOf({ KLAVIYO_PUBLIC_KEY: 'toolong1' })).toEqual([
        expect.stringMatching(/^KLAVIYO_PUBLIC_KEY must be the six-character public API key/),
      ]);
    });

    it('gives the browser the key only through the server, so either name reaches it', async () => {
      // NEXT_PUBLIC_ values are inlined into client bundles at build time; KLAVIYO_PUBLIC_KEY is not.
      // A browser-side reader of the old name would fall back to the demo key with only the new one
      // set, so the store layout passes env().klaviyo.companyId to the provider as a prop instead.
      expect(Object.keys(await import('../../lib/env.js'))).not.toContain('publicEnv');
      const layout = readFileSync(`${ROOT}app/(store)/layout.tsx`, 'utf8');
      expect(layout).toMatch(/companyId=\{klaviyo\.companyId\}/);
    });

    it('starts production with either name', () => {
      const { NEXT_PUBLIC_KLAVIYO_COMPANY_ID: _, ...withoutKey } = production;
      const ready = { ...withoutKey, ALLOW_SQLITE_IN_PRODUCTION: 'true' };
      expect(parseEnv({ ...ready, KLAVIYO_PUBLIC_KEY: 'Pk9Xy2' }).klaviyo.companyId).toBe('Pk9Xy2');
      expect(parseEnv({ ...ready, NEXT_PUBLIC_KLAVIYO_COMPANY_ID: 'AbC123' }).klaviyo.companyId).toBe(
        'AbC123',
      );
      expect(problemsOf(ready)).toEqual([
        'KLAVIYO_PUBLIC_KEY is required in production (or its older name NEXT_PUBLIC_KLAVIYO_COMPANY_ID)',
      ]);
    });
  });

  it('reads the trusted proxy hops, 0 (no proxy) by default', () => {
    expect(parseEnv({}).trustedProxyHops).toBe(0);
    expect(parseEnv({ TRUSTED_PROXY_HOPS: '2' }).trustedProxyHops).toBe(2);
    expect(problemsOf({ TRUSTED_PROXY_HOPS: '-1' })[0]).toMatch(/^TRUSTED_PROXY_HOPS must be 0/);
    expect(problemsOf({ TRUSTED_PROXY_HOPS: 'one' })[0]).toMatch(/^TRUSTED_PROXY_HOPS/);
  });

  it('signs development sessions with a secret drawn per process, never a constant in the source', () => {
    // Before: 'development-only-nextauth-secret-never-use-in-production', the same everywhere.
    const source = readFileSync(`${ROOT}lib/env.ts`, 'utf8');
    expect(source).not.toMatch(/development-only-nextauth-secret/);
    const one = parseEnv({ NODE_ENV: 'development' }).auth.secret;
    expect(one).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(parseEnv({ NODE_ENV: 'test' }).auth.secret).toBe(one); // one process, one secret
    const secretOfAProcess = () =>
      execFileSync(
        `${ROOT}node_modules/.bin/tsx`,
        ['-e', "import('./lib/env.ts').then((m) => console.log(m.parseEnv({}).auth.secret))"],
        { cwd: ROOT, env: { PATH: process.env.PATH ?? '', NODE_ENV: 'development' }, encoding: 'utf8' },
      ).trim();
    const [a, b] = [secretOfAProcess(), secretOfAProcess()];
    expect(a).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(b).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(new Set([a, b, one]).size).toBe(3);
    // A configured secret is used as is.
    expect(parseEnv({ NEXTAUTH_SECRET: 'x'.repeat(40) }).auth.secret).toBe('x'.repeat(40));
  });
});
