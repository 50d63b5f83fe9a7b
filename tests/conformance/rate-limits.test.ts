import { beforeEach, describe, expect, it } from 'vitest';
import { loadSpec } from '../../emulator/core/spec.js';
import { type TestEmulator, withEmulator } from '../support/emulator.js';
import { sdkFailure, sdkFor } from '../support/sdk.js';

let emu: TestEmulator;
const spec = loadSpec();
// Each test starts on a fresh minute boundary, so the 1 s and 60 s windows start together and no
// test inherits another's counts.
let minute = 0;

withEmulator({}, (started) => {
  emu = started;
});
beforeEach(async () => {
  minute += 2;
  await emu.clock({ freezeAt: Date.parse('2026-07-15T12:00:00.000Z') + minute * 60_000 });
});

async function burst(path: string, count: number) {
  const statuses: number[] = [];
  for (let i = 0; i < count; i++) statuses.push((await emu.api(path)).status);
  return statuses;
}

describe('per-operation fixed windows from x-klaviyo-ratelimit', () => {
  it('get_metrics: 10 per second, then 429 with Retry-After; 150 per minute, then 429 until the minute ends', async () => {
    // x-klaviyo-ratelimit of get_metrics is {burst: "10/s", steady: "150/m"}.
    expect(spec.byId.get('get_metrics')?.rateLimit).toMatchObject({
      burst: { limit: 10, windowMs: 1000 },
      steady: { limit: 150, windowMs: 60_000 },
    });
    expect(await burst('/api/metrics', 10)).toEqual(Array(10).fill(200));
    const throttled = await emu.api('/api/metrics');
    expect(throttled.status).toBe(429);
    expect(throttled.headers.get('retry-after')).toBe('1');
    expect(throttled.headers.get('ratelimit-limit')).toBeNull();
    expect(throttled.body.errors[0]).toMatchObject({ code: 'throttled', status: 429 });

    // Fourteen more seconds of full bursts reach the steady limit of 150.
    for (let second = 1; second < 15; second++) {
      await emu.clock({ advanceMs: 1000 });
      expect(await burst('/api/metrics', 10)).toEqual(Array(10).fill(200));
    }
    await emu.clock({ advanceMs: 1000 }); // 15 s into the minute: a new burst window, but the minute is spent
    const steady = await emu.api('/api/metrics');
    expect(steady.status).toBe(429);
    expect(steady.headers.get('retry-after')).toBe('45');

    await emu.clock({ advanceMs: 45_000 });
    const fresh = await emu.api('/api/metrics');
    expect(fresh.status).toBe(200);
    expect(fresh.headers.get('ratelimit-limit')).toBe('150');
    expect(fresh.headers.get('ratelimit-remaining')).toBe('149');
    expect(fresh.headers.get('ratelimit-reset')).toBe('60');
  });

  it('counts each operation and account separately', async () => {
    expect(await burst('/api/metrics', 10)).toEqual(Array(10).fill(200));
    expect((await emu.api('/api/metrics')).status).toBe(429);
    expect((await emu.api('/api/profiles')).status).toBe(200);
    const other = await emu.control('/accounts', 'POST', { name: 'Other' });
    const res = await emu.api('/api/metrics', {
      headers: { Authorization: `Klaviyo-API-Key ${other.privateKey}` },
    });
    expect(res.status).toBe(200);
  });

  it('applies the stricter limit the spec states for predictive_analytics on get_profiles', async () => {
    // get_profiles: 75/s, 750/m; with additional-fields[profile]=predictive_analytics: 10/s, 150/m.
    const path = '/api/profiles?additional-fields[profile]=predictive_analytics';
    expect(await burst(path, 10)).toEqual(Array(10).fill(200));
    expect((await emu.api(path)).status).toBe(429);
    expect((await emu.api('/api/profiles')).status).toBe(200);
  });

  it('shows the SDK a 429 it can retry after Retry-After', async () => {
    const sdk = sdkFor(emu);
    for (let i = 0; i < 10; i++) await sdk.metrics.getMetrics();
    const error = await sdkFailure(sdk.metrics.getMetrics());
    expect(error.status).toBe(429);
    expect(error.headers['retry-after']).toBe('1');
  });
});
