import { describe, expect, it } from 'vitest';
import { parseDatabaseSettings } from '../../lib/env.js';
import { ConfigError, parseKlaviyoConfig } from '../../lib/klaviyo-next/config.js';

const problemsOf = (source: Record<string, string>) => {
  try {
    parseKlaviyoConfig(source);
  } catch (error) {
    if (error instanceof ConfigError) return error.problems;
    throw error;
  }
  return [];
};

const pluginOnly = {
  NODE_ENV: 'production',
  KLAVIYO_API_URL: 'https://a.klaviyo.com',
  KLAVIYO_PRIVATE_KEY: 'pk_live_abc',
  KLAVIYO_PUBLIC_KEY: 'AbC123',
  TRUSTED_PROXY_HOPS: '1',
};

describe('the plugin validates its own variables from the source the host passes', () => {
  it('starts in production with its own variables alone: no store, sign-in or database settings', () => {
    const config = parseKlaviyoConfig(pluginOnly);
    expect(config).toMatchObject({ live: true, companyId: 'AbC123', trustedProxyHops: 1 });
    // The app's part that the worker also needs (the database) is the app's, validated apart.
    expect(parseDatabaseSettings({ NODE_ENV: 'production', DATABASE_URL: 'postgres://db/shop' })).toEqual({
      databaseUrl: 'postgres://db/shop',
      sqlitePath: './data/outbox.db',
    });
  });

  it("ignores the host's variables, however wrong: they are the host's to validate", () => {
    expect(
      problemsOf({ ...pluginOnly, NEXTAUTH_SECRET: 'short', DATABASE_URL: 'mysql://x', STORE_URL: 'nope' }),
    ).toEqual([]);
  });

  it('names each of its own variables that is missing or wrong in production', () => {
    expect(
      problemsOf({ NODE_ENV: 'production', OUTBOX_DRAIN_SECRET: 'short', KLAVIYO_TIMEOUT_MS: '5' }),
    ).toEqual([
      expect.stringMatching(/^KLAVIYO_TIMEOUT_MS .*1000/),
      'OUTBOX_DRAIN_SECRET must be at least 32 characters',
      'KLAVIYO_API_URL is required in production',
      'KLAVIYO_PRIVATE_KEY is required in production',
      expect.stringMatching(/^KLAVIYO_PUBLIC_KEY is required in production/),
      expect.stringMatching(/^TRUSTED_PROXY_HOPS is required in production/),
    ]);
    expect(problemsOf({ NODE_ENV: 'production' })).toEqual([
      'KLAVIYO_API_URL is required in production',
      'KLAVIYO_PRIVATE_KEY is required in production',
      'KLAVIYO_PUBLIC_KEY is required in production (or its older name NEXT_PUBLIC_KLAVIYO_COMPANY_ID)',
      expect.stringMatching(/^TRUSTED_PROXY_HOPS is required in production/),
    ]);
  });

  it('reads KLAVIYO_PUBLIC_KEY, else the older NEXT_PUBLIC_KLAVIYO_COMPANY_ID, and refuses two different keys', () => {
    const { KLAVIYO_PUBLIC_KEY: _, ...withoutKey } = pluginOnly;
    expect(parseKlaviyoConfig({ ...withoutKey, NEXT_PUBLIC_KLAVIYO_COMPANY_ID: 'XyZ987' }).companyId).toBe(
      'XyZ987',
    );
    expect(problemsOf({ ...pluginOnly, NEXT_PUBLIC_KLAVIYO_COMPANY_ID: 'XyZ987' })).toEqual([
      expect.stringMatching(
        /^KLAVIYO_PUBLIC_KEY \(AbC123\) and NEXT_PUBLIC_KLAVIYO_COMPANY_ID \(XyZ987\) are different/,
      ),
    ]);
  });

  it('keeps delivered messages OUTBOX_RETENTION_DAYS whole days (30 unless set), and names a bad value', () => {
    expect(parseKlaviyoConfig({}).retentionDays).toBe(30);
    expect(parseKlaviyoConfig({ ...pluginOnly, OUTBOX_RETENTION_DAYS: '90' }).retentionDays).toBe(90);
    expect(problemsOf({ OUTBOX_RETENTION_DAYS: '0' })).toEqual([
      'OUTBOX_RETENTION_DAYS must be at least 1 day',
    ]);
    expect(problemsOf({ OUTBOX_RETENTION_DAYS: '3651' })).toEqual([
      'OUTBOX_RETENTION_DAYS must be at most 3650 days (ten years)',
    ]);
    for (const value of ['1.5', 'thirty'])
      expect(problemsOf({ OUTBOX_RETENTION_DAYS: value })).toEqual([
        'OUTBOX_RETENTION_DAYS must be a whole number of days (1 to 3650)',
      ]);
  });

  it('defaults to the bundled emulator outside production', () => {
    expect(parseKlaviyoConfig({})).toMatchObject({
      apiUrl: 'http://127.0.0.1:8787',
      companyId: 'DEMO01',
      live: false,
      drainSecret: undefined,
      trustedProxyHops: 0,
    });
  });
});
