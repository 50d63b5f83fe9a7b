import { describe, expect, it } from 'vitest';
import { ConfigError, parseEnv } from '../../lib/env.js';

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
    expect(env.outbox.sqlitePath).toBe('./data/outbox.db');
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
      'NEXT_PUBLIC_KLAVIYO_COMPANY_ID is required in production',
      'NEXTAUTH_SECRET is required in production',
      'NEXTAUTH_URL is required in production',
      'ADMIN_EMAIL is required in production',
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
    };
    expect(problemsOf(base)[0]).toMatch(
      /KLAVIYO_API_URL points at http:\/\/127\.0\.0\.1:8787.*KLAVIYO_ALLOW_EMULATOR/,
    );
    expect(parseEnv({ ...base, KLAVIYO_ALLOW_EMULATOR: 'true' }).klaviyo.live).toBe(false);
    expect(parseEnv({ ...base, KLAVIYO_API_URL: 'https://a.klaviyo.com' }).klaviyo.live).toBe(true);
  });
});
