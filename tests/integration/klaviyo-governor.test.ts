import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createKlaviyoClient } from '../../lib/klaviyo-next/api/client.js';
import { OPERATIONS } from '../../lib/klaviyo-next/api/generated/operations.js';
import { RateGovernor } from '../../lib/klaviyo-next/api/governor.js';
import { startTestEmulator, type TestEmulator } from '../support/emulator.js';

let emu: TestEmulator;

beforeAll(async () => {
  emu = await startTestEmulator();
});
afterAll(async () => {
  expect(emu.specViolations).toEqual([]);
  await emu.close();
});

/**
 * One virtual clock for the client, its governor and the emulator: sleeping moves the emulator's
 * clock, so minutes of rate-limited traffic run in a second or two, against the emulator's real
 * fixed-window limiter.
 */
async function virtualClock(startMs: number) {
  let now = startMs;
  await emu.clock({ freezeAt: now });
  return {
    now: () => now,
    sleep: async (ms: number) => {
      now += ms;
      await emu.clock({ advanceMs: ms });
    },
  };
}

describe('the rate governor against the emulator', () => {
  it('holds more than twice the steady rate of get_metrics to its published limit with no 429s', async () => {
    const limit = OPERATIONS.get_metrics.rateLimit; // x-klaviyo-ratelimit: 10/s, 150/m
    const start = Date.parse('2026-07-15T09:00:17.300Z'); // deliberately not on a window boundary
    const clock = await virtualClock(start);
    const client = createKlaviyoClient({
      apiKey: emu.account.privateKey,
      baseUrl: emu.url,
      ...clock,
      governor: new RateGovernor(clock),
    });
    const minutes = 3;
    let sent = 0;
    // The caller asks without pause (well over 2x the steady rate); the governor decides when.
    while (clock.now() < start + minutes * 60_000) {
      await client.call('get_metrics');
      sent++;
    }
    const { throttled } = await emu.inspect();
    expect(throttled).toBe(0);
    const perMinute = sent / minutes;
    expect(perMinute).toBeGreaterThanOrEqual(limit.perMinute * 0.9);
    expect(perMinute).toBeLessThanOrEqual(limit.perMinute * 1.1);
  });
});

describe('the client against a 429 storm', () => {
  it('waits each Retry-After and succeeds, with every attempt counted at the emulator', async () => {
    const clock = await virtualClock(Date.parse('2026-07-15T10:00:00Z'));
    const client = createKlaviyoClient({
      apiKey: emu.account.privateKey,
      baseUrl: emu.url,
      ...clock,
      governor: new RateGovernor(clock),
    });
    const before = (await emu.inspect()).requests.get_profiles ?? 0;
    await emu.setFaults({ storm429: { count: 3, retryAfterSeconds: 2 }, operations: ['get_profiles'] });
    const started = clock.now();
    const page = await client.call('get_profiles', { query: { 'page[size]': 5 } });
    await emu.clearFaults();
    expect(Array.isArray(page.data)).toBe(true);
    const attempts = ((await emu.inspect()).requests.get_profiles ?? 0) - before;
    expect(attempts).toBe(4);
    expect(clock.now() - started).toBe(6_000);
  });
});

describe('stricter limits a parameter brings', () => {
  it('paces get_list with profile_count at the 1/s the spec states for it, not the 75/s of get_list', async () => {
    const clock = await virtualClock(Date.parse('2026-07-15T11:00:00Z'));
    const client = createKlaviyoClient({
      apiKey: emu.account.privateKey,
      baseUrl: emu.url,
      ...clock,
      governor: new RateGovernor(clock),
    });
    const list = await client.call('create_list', {
      body: { data: { type: 'list', attributes: { name: 'Paced' } } },
    });
    const before = (await emu.inspect()).throttled;
    const started = clock.now();
    for (let i = 0; i < 5; i++) {
      await client.call('get_list', {
        path: { id: list.data.id },
        query: { 'additional-fields[list]': ['profile_count'] },
      });
    }
    expect((await emu.inspect()).throttled - before).toBe(0);
    expect(clock.now() - started).toBeGreaterThanOrEqual(4_000);
    // Without the parameter the same operation is not held back.
    const plain = clock.now();
    for (let i = 0; i < 5; i++) await client.call('get_list', { path: { id: list.data.id } });
    expect(clock.now() - plain).toBe(0);
  });
});
