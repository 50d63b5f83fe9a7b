import { describe, expect, it } from 'vitest';
import { ConfigError, parseEnv, parseWorkerSettings } from '../../lib/env.js';
import { parseKlaviyoConfig } from '../../lib/klaviyo-next/config.js';

/** The ops settings: defaults, and a clear error naming each bad variable. */
const problems = (parse: () => unknown): string[] => {
  try {
    parse();
  } catch (error) {
    if (error instanceof ConfigError) return error.problems;
    throw error;
  }
  return [];
};

describe('alert settings (the plugin’s, config.ts)', () => {
  it('default to 3 failed rounds and 30 minutes', () => {
    expect(parseKlaviyoConfig({}).alerts).toEqual({ failedRounds: 3, pendingAgeMs: 30 * 60_000 });
    expect(
      parseKlaviyoConfig({ OUTBOX_ALERT_FAILED_ROUNDS: '5', OUTBOX_ALERT_PENDING_MINUTES: '90' }).alerts,
    ).toEqual({ failedRounds: 5, pendingAgeMs: 90 * 60_000 });
  });

  it('name each bad value', () => {
    expect(problems(() => parseKlaviyoConfig({ OUTBOX_ALERT_FAILED_ROUNDS: '0' }))).toEqual([
      'OUTBOX_ALERT_FAILED_ROUNDS must be at least 1 round',
    ]);
    expect(
      problems(() =>
        parseKlaviyoConfig({ OUTBOX_ALERT_FAILED_ROUNDS: 'three', OUTBOX_ALERT_PENDING_MINUTES: '1.5' }),
      ),
    ).toEqual([
      'OUTBOX_ALERT_FAILED_ROUNDS must be a whole number of rounds (1 to 1000)',
      'OUTBOX_ALERT_PENDING_MINUTES must be a whole number of minutes (1 to 10080)',
    ]);
  });
});

describe('worker settings (the demo’s, lib/env.ts)', () => {
  it('default to no probe server, 360 s to stall and a 25 s grace', () => {
    expect(parseWorkerSettings({})).toEqual({
      healthPort: undefined,
      healthHost: undefined,
      staleAfterMs: 360_000,
      shutdownGraceMs: 25_000,
    });
    expect(
      parseWorkerSettings({ WORKER_HEALTH_PORT: '9464', WORKER_HEALTH_HOST: '127.0.0.1' }),
    ).toMatchObject({
      healthPort: 9464,
      healthHost: '127.0.0.1',
    });
  });

  it('name each bad value', () => {
    expect(
      problems(() =>
        parseWorkerSettings({
          WORKER_HEALTH_PORT: 'http',
          WORKER_HEALTH_HOST: 'localhost',
          WORKER_STALE_AFTER_SECONDS: '5',
          WORKER_SHUTDOWN_GRACE_SECONDS: '0',
        }),
      ),
    ).toEqual([
      'WORKER_HEALTH_PORT must be a port number (1024 to 65535)',
      'WORKER_HEALTH_HOST must be an IP address to listen on',
      'WORKER_STALE_AFTER_SECONDS must be at least 10 seconds',
      'WORKER_SHUTDOWN_GRACE_SECONDS must be at least 1 second',
    ]);
  });

  it('are not the app’s business: the app starts whatever they say', () => {
    expect(() => parseEnv({ WORKER_HEALTH_PORT: 'http' })).not.toThrow();
  });
});
