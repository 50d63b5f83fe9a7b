import { afterEach, describe, expect, it } from 'vitest';
import { type TestEmulator, withEmulator } from '../support/emulator.js';

/**
 * The emulator controls the sale-day suite drives from another process: faults that end by themselves
 * on the emulator's clock (`forMs`, `outageForMs`) and the tally it counts with. Time here is the
 * emulator's frozen clock, advanced by hand, so nothing depends on how fast the machine is.
 */
let emu: TestEmulator;
withEmulator({}, (started) => {
  emu = started;
});
afterEach(async () => {
  await emu.clearFaults();
  await emu.clock({ release: true });
});

const event = (email: string, uniqueId: string, lastOrder: number) => ({
  data: {
    type: 'event',
    attributes: {
      properties: { OrderId: uniqueId },
      unique_id: uniqueId,
      metric: { data: { type: 'metric', attributes: { name: 'Placed Order' } } },
      profile: {
        data: { type: 'profile', attributes: { email, properties: { 'Sale Last Order': lastOrder } } },
      },
    },
  },
});

describe('faults scoped in time', () => {
  it('a 5xx burst given forMs ends by itself on the emulator clock', async () => {
    await emu.clock({ freezeAt: Date.parse('2026-07-15T00:00:00Z') });
    await emu.setFaults({ errorRates: { '503': 1 }, forMs: 5_000 });
    expect((await emu.api('/api/profiles')).status).toBe(503);
    await emu.clock({ advanceMs: 4_999 });
    expect((await emu.api('/api/profiles')).status).toBe(503);
    await emu.clock({ advanceMs: 1 });
    expect((await emu.api('/api/profiles')).status).toBe(200);
  });

  it('slow answers given forMs stop delaying once the spell is over', async () => {
    await emu.clock({ freezeAt: Date.parse('2026-07-15T00:00:00Z') });
    const before = (await emu.control('/faults')).served.delayed;
    await emu.setFaults({ latencyMs: 20, forMs: 1_000 });
    await emu.api('/api/profiles');
    expect((await emu.control('/faults')).served.delayed).toBe(before + 1);
    await emu.clock({ advanceMs: 1_000 });
    await emu.api('/api/profiles');
    expect((await emu.control('/faults')).served.delayed).toBe(before + 1);
  });

  it('outageForMs is an outage from now, and a bad duration is refused by name', async () => {
    await emu.clock({ freezeAt: Date.parse('2026-07-15T00:00:00Z') });
    await emu.setFaults({ outageForMs: 30_000 });
    expect((await emu.api('/api/metrics')).status).toBe(503);
    await emu.clock({ advanceMs: 30_000 });
    expect((await emu.api('/api/metrics')).status).toBe(200);
    for (const body of [{ forMs: -1 }, { forMs: 'soon' }, { outageForMs: null }]) {
      const response = await fetch(`${emu.url}/__emulator/faults`, {
        method: 'PUT',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(body),
      });
      expect(response.status).toBe(400);
      expect(await response.text()).toContain(Object.keys(body)[0]);
    }
  });
});

describe('tally', () => {
  it('counts recorded events once, repeats as suppressed, and shows each profile as Klaviyo holds it', async () => {
    const email = `tally-${Date.now()}@sale.example`;
    const other = `tally-other-${Date.now()}@sale.example`;
    await emu.clock({ freezeAt: Date.parse('2026-07-16T00:00:00Z') });
    const from = Date.parse('2026-07-16T00:00:00Z');
    expect((await emu.api('/api/events', { method: 'POST', body: event(email, 'T-1', 1) })).status).toBe(202);
    // The same order sent again (a worker that never heard the answer) and a second shopper's order.
    expect((await emu.api('/api/events', { method: 'POST', body: event(email, 'T-1', 1) })).status).toBe(202);
    await emu.clock({ advanceMs: 1_000 });
    expect((await emu.api('/api/events', { method: 'POST', body: event(other, 'T-2', 2) })).status).toBe(202);

    const all = await emu.control(`/accounts/${emu.account.id}/tally?from=${from}&ids=1&profiles=1`);
    expect(all.events).toBe(2);
    expect(all.suppressed).toBe(1);
    expect(all.duplicated).toBe(0);
    expect(all.uniqueIds.sort()).toEqual(['T-1', 'T-2']);
    const profile = all.profiles.find((p: { email: string }) => p.email === email);
    expect(profile.properties['Sale Last Order']).toBe(1);

    // Only what was received in [from, to) on the emulator clock.
    const first = await emu.control(`/accounts/${emu.account.id}/tally?from=${from}&to=${from + 1_000}`);
    expect(first.events).toBe(1);
    expect(first.uniqueIds).toBeUndefined();
    expect(first.profiles).toBeUndefined();
  });

  it('names no other account', async () => {
    const response = await fetch(`${emu.url}/__emulator/accounts/NOPE00/tally`);
    expect(response.status).toBe(404);
  });
});
