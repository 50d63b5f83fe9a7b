import { afterAll, beforeEach, describe, expect, it } from 'vitest';
import { type SkipClock, skipClock } from '../../bench/lib/skip-clock.js';
import { createKlaviyoClient } from '../../lib/klaviyo-next/api/client.js';
import { RateGovernor } from '../../lib/klaviyo-next/api/governor.js';
import type { RateBudgetStore } from '../../lib/klaviyo-next/api/rate-budget.js';
import { eventBody } from '../../lib/klaviyo-next/api/resources/events.js';
import type { DeliverOptions } from '../../lib/klaviyo-next/outbox/deliver/index.js';
import type { RoundReport } from '../../lib/klaviyo-next/outbox/dispatcher.js';
import { createDelivery } from '../../lib/klaviyo-next/outbox/runtime.js';
import { OutboxStore } from '../../lib/klaviyo-next/outbox/store.js';
import { profileMessage } from '../../lib/klaviyo-next/outbox/types.js';
import type { SqlDatabase } from '../../lib/klaviyo-next/sql/types.js';
import { freshSqlite } from '../support/databases.js';
import { type TestEmulator, withEmulator } from '../support/emulator.js';
import { orderEvents } from '../support/order-events.js';
import { clockedClient, leasedCount } from '../support/outbox-fixtures.js';

/**
 * A serverless drain (the cron route, `after()`) has a time budget. The issue's livelock: a round
 * claimed 1,000 profile writes and settled only after sending them all, 114 s against the route's 60;
 * nothing was ever marked and the same batch went again every run. Now a round is sized to the budget,
 * cut off at its deadline, and settles each outcome as it arrives.
 *
 * The emulator enforces Klaviyo's published limits (create_or_update_profile: 75/s, 750/m). Time is
 * the benches' skip clock shared with the emulator: the governor's waits are skipped, not slept, so a
 * drain's ten seconds of rate-limited sending take well under one here, and the budget is still
 * measured on the same clock the emulator's limiter counts in.
 */

const BUDGET_MS = 10_000;
const CRON_EVERY_MS = 60_000;

describe('a serverless drain with a 10 s budget on a 1,000-profile backlog', () => {
  let emu: TestEmulator;
  let db: SqlDatabase;
  let store: OutboxStore;
  let clock: SkipClock;

  withEmulator({}, (started) => {
    emu = started;
  });
  beforeEach(async () => {
    db = await freshSqlite();
    store = new OutboxStore(db);
    clock = await skipClock(emu.url, Date.now());
    reports = [];
  });
  afterAll(async () => {
    await db?.close();
  });

  let reports: RoundReport[] = [];
  const delivery = (deliver?: DeliverOptions) =>
    createDelivery({
      onRound: (report) => reports.push(report),
      store,
      client: clockedClient(emu, clock),
      account: emu.account.id,
      now: clock.now,
      log: () => undefined,
      ...(deliver ? { deliver } : {}),
    });

  const backlog = async (tag: string, n = 1000) => {
    const messages = Array.from({ length: n }, (_, i) =>
      profileMessage(`${tag}${i}`, {
        profile: { email: `${tag}${i}@example.com` },
        properties: { 'NW Tier': 'gold' },
      }),
    );
    await db.transaction((tx) => store.enqueue(tx, messages, clock.now()));
  };
  const leased = () => leasedCount(db);

  it('one profile write per call (the slowest path): every call delivers some, within its budget, and leaves nothing leased', async () => {
    await backlog('single');
    // Below the trickle every write is its own create_or_update_profile call: 750/m at most.
    const { drainSoon } = delivery({ profileTrickle: Number.POSITIVE_INFINITY });
    const calls: { delivered: number; elapsedMs: number; throttled: number }[] = [];
    for (let call = 0; call < 10 && (await store.counts()).delivered < 1000; call++) {
      const cronAt = clock.now() + CRON_EVERY_MS;
      const started = clock.now();
      const result = await drainSoon(BUDGET_MS);
      calls.push({
        delivered: result?.delivered ?? 0,
        elapsedMs: clock.now() - started,
        throttled: result?.throttled ?? 0,
      });
      expect(await leased()).toBe(0);
      await clock.advanceTo(cronAt);
    }
    for (const call of calls) {
      expect(call.delivered).toBeGreaterThan(0);
      expect(call.elapsedMs).toBeLessThanOrEqual(BUDGET_MS);
      expect(call.throttled).toBe(0);
    }
    // 675 a minute is what the governor lets through (750/m less its 10%): at least two calls.
    expect(calls.length).toBeGreaterThanOrEqual(2);
    expect(await store.counts()).toMatchObject({ delivered: 1000, pending: 0, retrying: 0, dead: 0 });
    const inspected = await emu.inspect();
    expect(inspected.counts.profiles).toBeGreaterThanOrEqual(1000);
    // A call in flight when the deadline passes is cancelled and sent again by the next drain (it may
    // have reached Klaviyo: at least once; a profile write sets the same values again): at most the
    // eight in flight per cut.
    const requests = inspected.requests.create_or_update_profile;
    expect(requests).toBeGreaterThanOrEqual(1000);
    expect(requests).toBeLessThanOrEqual(1000 + 8 * calls.length);
    console.log(
      `[deadline] 1,000 single profile writes, 10 s drains a minute apart: ${calls.map((c) => `${c.delivered} in ${(c.elapsedMs / 1000).toFixed(1)} s`).join(', ')}; ${requests} calls`,
    );
  });

  it('in bulk import jobs (the default), one call delivers the whole backlog', async () => {
    await backlog('bulk');
    const started = clock.now();
    const result = await delivery().drainSoon(BUDGET_MS);
    expect(result).toMatchObject({ delivered: 1000, dead: 0, throttled: 0 });
    // Every round was reported (the host's metrics), its time measured on the same clock.
    expect(reports.reduce((n, r) => n + r.delivered, 0)).toBe(1000);
    expect(
      reports.every((r) => r.durationMs >= 0 && r.durationMs <= BUDGET_MS && r.failed === undefined),
    ).toBe(true);
    expect(clock.now() - started).toBeLessThanOrEqual(BUDGET_MS);
    expect(await leased()).toBe(0);
  });

  it('a drain of 3,000 events fills its bulk jobs after the first round shows what events cost', async () => {
    const messages = Array.from({ length: 750 }, (_, i) =>
      orderEvents(`DL-E${i}`, `dle${i % 100}@example.com`),
    ).flat();
    await db.transaction((tx) => store.enqueue(tx, messages, clock.now()));
    const jobsBefore = (await emu.inspect()).requests.bulk_create_events ?? 0;
    const result = await delivery().drainSoon(BUDGET_MS);
    expect(result).toMatchObject({ delivered: 3000, throttled: 0 });
    // The first round claims what a profile write's pace allows (~100), the rest go 1,000 a job.
    const jobs = (await emu.inspect()).requests.bulk_create_events - jobsBefore;
    expect(jobs).toBeLessThanOrEqual(4);
  });

  it('a burst of drain requests shares the first one’s deadline', async () => {
    await backlog('burst');
    const { drainSoon } = delivery({ profileTrickle: Number.POSITIVE_INFINITY });
    const started = clock.now();
    const first = drainSoon(BUDGET_MS);
    // Checkouts asking while it runs join it: it goes round again, but never past its deadline.
    for (let i = 0; i < 5; i++) expect(await drainSoon(BUDGET_MS)).toBeUndefined();
    const result = await first;
    expect(result?.delivered).toBeGreaterThan(0);
    expect(clock.now() - started).toBeLessThanOrEqual(BUDGET_MS);
    expect(await leased()).toBe(0);
  });
});

describe('a call waiting for rate budget', () => {
  let emu: TestEmulator;
  withEmulator({ rateLimits: false }, (started) => {
    emu = started;
  });
  // A budget that frees only in a minute (as after a burst): the call waits in the governor.
  const fullBudget: RateBudgetStore = {
    reserve: async () => 60_000,
    clamp: async () => undefined,
    block: async () => undefined,
  };
  const client = () =>
    createKlaviyoClient({
      apiKey: emu.account.privateKey,
      baseUrl: emu.url,
      governor: new RateGovernor({ store: fullBudget }),
    });
  const body = eventBody({
    metric: 'Viewed Product',
    profile: { email: 'wait@example.com' },
    properties: {},
    time: new Date().toISOString(),
    unique_id: 'wait-1',
  });
  const sent = async () => (await emu.inspect()).requests.create_event ?? 0;

  it('gives up at once when the budget frees after its deadline (code deadline), sending nothing', async () => {
    const before = await sent();
    await expect(
      client().call('create_event', { body, deadlineMs: Date.now() + 5_000 }),
    ).rejects.toMatchObject({
      status: 0,
      code: 'deadline',
    });
    expect(await sent()).toBe(before);
  });

  it('ends its wait when its signal aborts (a stopping worker), code aborted, sending nothing', async () => {
    const before = await sent();
    const stop = new AbortController();
    const call = client().call('create_event', { body, signal: stop.signal });
    setTimeout(() => stop.abort(), 50);
    await expect(call).rejects.toMatchObject({ status: 0, code: 'aborted' });
    expect(await sent()).toBe(before);
  });
});
