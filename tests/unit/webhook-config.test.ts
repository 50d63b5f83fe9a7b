import { describe, expect, it } from 'vitest';
import { parseEnv } from '../../lib/env.js';
import { ConfigError } from '../../lib/klaviyo-next/config.js';
import { openSqlite } from '../../lib/klaviyo-next/sql/sqlite.js';
import { createWebhooks } from '../../lib/klaviyo-next/webhooks/index.js';

const db = openSqlite(':memory:');
const sink = async () => {};
const build = (options: Parameters<typeof createWebhooks>[1]) => () =>
  createWebhooks(db, options, Date.now, () => {});

describe('webhook settings', () => {
  it('refuses a short secret, naming the variable', () => {
    expect(build({ secret: 'short', onConsentChange: sink })).toThrow(ConfigError);
    expect(build({ secret: 'short', onConsentChange: sink })).toThrow(/KLAVIYO_WEBHOOK_SECRET/);
  });

  it('refuses a previous secret without a current one', () => {
    expect(build({ previousSecret: 'x'.repeat(32), onConsentChange: sink })).toThrow(/webhooks.secret/);
  });

  it('treats an empty secret as unset: the receiver is off', () => {
    expect(build({ secret: '', onConsentChange: sink })().configured).toBe(false);
    expect(build({ secret: 'y'.repeat(32), onConsentChange: sink })().configured).toBe(true);
  });

  it('the demo reads both variables and refuses the previous one alone', () => {
    const parsed = parseEnv({
      KLAVIYO_WEBHOOK_SECRET: 'a'.repeat(32),
      KLAVIYO_WEBHOOK_PREVIOUS_SECRET: 'b'.repeat(32),
    });
    expect(parsed.webhooks).toEqual({ secret: 'a'.repeat(32), previousSecret: 'b'.repeat(32) });
    expect(() => parseEnv({ KLAVIYO_WEBHOOK_PREVIOUS_SECRET: 'b'.repeat(32) })).toThrow(
      /KLAVIYO_WEBHOOK_SECRET/,
    );
    expect(() => parseEnv({ KLAVIYO_WEBHOOK_SECRET: 'short' })).toThrow(/KLAVIYO_WEBHOOK_SECRET/);
  });
});
