import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startTestEmulator, type TestEmulator } from '../support/emulator.js';

let emu: TestEmulator;

beforeAll(async () => {
  emu = await startTestEmulator();
});
afterEach(async () => {
  await emu.clearFaults();
  await emu.clock({ release: true });
});
afterAll(async () => {
  expect(emu.specViolations).toEqual([]);
  await emu.close();
});

describe('fault injection (off by default)', () => {
  it('serves a 429 storm of the given length with the given Retry-After, then recovers', async () => {
    await emu.setFaults({ storm429: { count: 3, retryAfterSeconds: 7 } });
    for (let i = 0; i < 3; i++) {
      const res = await emu.api('/api/profiles');
      expect(res.status).toBe(429);
      expect(res.headers.get('retry-after')).toBe('7');
    }
    expect((await emu.api('/api/profiles')).status).toBe(200);
    const { served } = await emu.control('/faults');
    expect(served.storm429).toBe(3);
  });

  it('answers 503 during an outage window on the emulator clock', async () => {
    await emu.clock({ freezeAt: Date.parse('2026-07-15T00:00:00Z') });
    await emu.setFaults({ outageUntil: Date.parse('2026-07-15T00:00:30Z') });
    expect((await emu.api('/api/profiles')).status).toBe(503);
    await emu.clock({ advanceMs: 30_000 });
    expect((await emu.api('/api/profiles')).status).toBe(200);
  });

  it('injects error rates per status, scoped to operations, repeatably with a seed', async () => {
    await emu.setFaults({ errorRates: { '500': 0.5 }, operations: ['get_profiles'], seed: 42 });
    const first: number[] = [];
    for (let i = 0; i < 20; i++) first.push((await emu.api('/api/profiles')).status);
    expect(first.filter((s) => s === 500).length).toBeGreaterThan(3);
    expect(first.filter((s) => s === 200).length).toBeGreaterThan(3);
    expect((await emu.api('/api/metrics')).status).toBe(200);
    await emu.setFaults({ errorRates: { '500': 0.5 }, operations: ['get_profiles'], seed: 42 });
    const second: number[] = [];
    for (let i = 0; i < 20; i++) second.push((await emu.api('/api/profiles')).status);
    expect(second).toEqual(first);
  });

  it('adds latency', async () => {
    await emu.setFaults({ latencyMs: 120 });
    const started = performance.now();
    await emu.api('/api/profiles');
    expect(performance.now() - started).toBeGreaterThanOrEqual(115);
  });

  it('drops connections without an answer', async () => {
    await emu.setFaults({ dropRate: 1 });
    await expect(emu.api('/api/profiles')).rejects.toThrow();
  });

  it('records nothing for a request it failed', async () => {
    await emu.setFaults({ down: true });
    const before = (await emu.inspect()).counts.events;
    const res = await emu.api('/api/events', {
      method: 'POST',
      body: {
        data: {
          type: 'event',
          attributes: {
            properties: {},
            metric: { data: { type: 'metric', attributes: { name: 'Viewed Product' } } },
            profile: { data: { type: 'profile', attributes: { email: 'down@example.com' } } },
          },
        },
      },
    });
    expect(res.status).toBe(503);
    expect((await emu.inspect()).counts.events).toBe(before);
  });
});
