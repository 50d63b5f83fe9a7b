import { afterAll, beforeAll, expect, it } from 'vitest';
import { OPERATIONS } from '../../lib/klaviyo-next/api/generated/operations.js';
import { reservedWindow } from '../../lib/klaviyo-next/api/governor.js';
import { createKlaviyo } from '../../lib/klaviyo-next/api/index.js';
import { createKlaviyoNext, type KlaviyoNext } from '../../lib/klaviyo-next/create.js';
import { openPostgres } from '../../lib/klaviyo-next/sql/postgres.js';
import type { SqlDatabase } from '../../lib/klaviyo-next/sql/types.js';
import { dropPostgres, freshPostgres } from '../support/databases.js';
import { startTestEmulator, type TestEmulator } from '../support/emulator.js';
import { describeWithPostgres, TEST_DATABASE_URL } from '../support/requirements.js';

/**
 * Several plugin instances, each with a connection pool of its own as separate processes would have,
 * on one Postgres schema, calling one operation as fast as they may against the emulator with its
 * published rate limits on (fixed windows, as Klaviyo counts). Real time throughout: the shared budget
 * reads the database's clock, which no test can move.
 */
describeWithPostgres('one rate budget for the account, across plugin instances', () => {
  let emu: TestEmulator;
  let db: SqlDatabase & { schema: string };
  const pools: SqlDatabase[] = [];
  /** Every answer the emulator gave, with the emulator's own clock when it gave it. */
  const served: { op: string; status: number; at: number }[] = [];

  beforeAll(async () => {
    emu = await startTestEmulator(); // rate limits on: the emulator's default
    emu.emulator.responseObservers.push((r) => {
      served.push({ op: r.operationId, status: r.status, at: emu.emulator.clock.now() });
    });
    db = await freshPostgres();
  });
  afterAll(async () => {
    expect(emu.specViolations).toEqual([]);
    await emu.close();
    for (const pool of pools) await pool.close();
    await dropPostgres(db);
  });

  /** One app instance or worker: its own pool on the shared schema, and optionally its own clock. */
  function instance(now?: () => number): KlaviyoNext {
    const sql = openPostgres(TEST_DATABASE_URL, { schema: db.schema, max: 3 });
    pools.push(sql);
    return createKlaviyoNext({
      env: {
        KLAVIYO_API_URL: emu.url,
        KLAVIYO_PRIVATE_KEY: emu.account.privateKey,
        KLAVIYO_PUBLIC_KEY: emu.account.publicKey,
      },
      sql,
      deliverSoon: () => undefined,
      ...(now ? { now } : {}),
    });
  }

  /** Puts the emulator's (Klaviyo's) minute edge `msAhead` from now, so a run crosses it. */
  async function minuteEdgeIn(msAhead: number) {
    const emuNow = (await emu.clock({})).now as number;
    const toEdge = 60_000 - (emuNow % 60_000);
    await emu.clock({ advanceMs: (toEdge - msAhead + 60_000) % 60_000 });
  }

  /** Each instance calls `op` back to back until `forMs` has passed; returns the calls each made. */
  async function hammer(instances: KlaviyoNext[], op: 'get_metrics' | 'get_accounts', forMs: number) {
    const end = Date.now() + forMs;
    return Promise.all(
      instances.map(async (k) => {
        let calls = 0;
        while (Date.now() < end) {
          await k.klaviyo.client.call(op);
          calls++;
        }
        return calls;
      }),
    );
  }

  /** The served answers to `op` counted per fixed window of the emulator's clock. */
  function perWindow(op: string, windowMs: number) {
    const counts = new Map<number, number>();
    for (const s of served.filter((s) => s.op === op)) {
      const start = Math.floor(s.at / windowMs) * windowMs;
      counts.set(start, (counts.get(start) ?? 0) + 1);
    }
    return [...counts.values()];
  }

  it('keeps a margin below each published limit for Klaviyo’s fixed windows', () => {
    expect(reservedWindow(10, 1_000, 50)).toEqual({ limit: 9, windowMs: 1_050 });
    expect(reservedWindow(150, 60_000, 50)).toEqual({ limit: 135, windowMs: 60_050 });
    expect(reservedWindow(3, 1_000, 50)).toEqual({ limit: 2, windowMs: 1_050 });
    expect(reservedWindow(1, 1_000, 50)).toEqual({ limit: 1, windowMs: 1_150 });
    expect(reservedWindow(2, 60_000, 50)).toEqual({ limit: 2, windowMs: 66_050 });
    expect(reservedWindow(225, 86_400_000, 0)).toEqual({ limit: 224, windowMs: 86_400_000 });
  });

  it('three instances at full speed get no 429 and together stay within get_metrics’ published limits', async () => {
    const limit = OPERATIONS.get_metrics.rateLimit; // x-klaviyo-ratelimit: 10/s burst, 150/m steady
    const instances = [instance(), instance(), instance()];
    await minuteEdgeIn(4_000);
    const before = (await emu.inspect()).throttled as number;
    // 12 s: twelve burst windows and one minute edge, short of the 135 the minute allows (at 9 a
    // 1.05 s window, 15.75 s), so no call is left waiting on the minute when the test ends.
    const calls = await hammer(instances, 'get_metrics', 12_000);
    const answers = served.filter((s) => s.op === 'get_metrics');
    const total = calls.reduce((a, b) => a + b, 0);
    console.log(
      `get_metrics: ${total} calls (${calls.join(' + ')}), ${answers.filter((s) => s.status === 429).length} 429s, max ${Math.max(...perWindow('get_metrics', 1_000))}/s, per minute ${perWindow('get_metrics', 60_000).join(', ')}`,
    );
    expect((await emu.inspect()).throttled - before).toBe(0);
    expect(answers.every((s) => s.status === 200)).toBe(true);
    expect(answers).toHaveLength(total);
    for (const n of calls) expect(n).toBeGreaterThan(0); // each instance sent, from the one budget
    expect(Math.max(...perWindow('get_metrics', 1_000))).toBeLessThanOrEqual(limit.perSecond);
    for (const n of perWindow('get_metrics', 60_000)) expect(n).toBeLessThanOrEqual(limit.perMinute);
    expect(perWindow('get_metrics', 60_000).length).toBe(2); // the run did cross a minute edge
    // The budget was used, not starved: near 9 a 1.05 s window over 12 s (three times that unshared).
    expect(total).toBeGreaterThanOrEqual(90);
    expect(total).toBeLessThanOrEqual(Math.ceil((12_000 / 1_050) * 9) + 9);
  }, 25_000);

  it('holds a 1/s operation across instances whose host clocks are minutes apart', async () => {
    const limit = OPERATIONS.get_accounts.rateLimit; // x-klaviyo-ratelimit: 1/s burst, 15/m steady
    const instances = [
      instance(() => Date.now() + 5 * 60_000), // five minutes fast
      instance(() => Date.now() - 3 * 60_000), // three minutes slow
      instance(),
    ];
    const before = (await emu.inspect()).throttled as number;
    const started = Date.now();
    const calls = await hammer(instances, 'get_accounts', 4_000);
    const elapsed = Date.now() - started; // past the 4 s: calls begun in time wait their turn
    const answers = served.filter((s) => s.op === 'get_accounts');
    const total = calls.reduce((a, b) => a + b, 0);
    const gaps = answers.slice(1).map((s, i) => s.at - (answers[i]?.at ?? 0));
    console.log(
      `get_accounts: ${total} calls (${calls.join(' + ')}), ${answers.filter((s) => s.status === 429).length} 429s, smallest gap ${Math.min(...gaps)} ms, ${elapsed} ms`,
    );
    expect((await emu.inspect()).throttled - before).toBe(0);
    expect(answers.every((s) => s.status === 200)).toBe(true);
    expect(Math.max(...perWindow('get_accounts', 1_000))).toBeLessThanOrEqual(limit.perSecond);
    // One budget on one clock: a call every 1.15 s (the 1/s window made 10% longer), whoever sends.
    expect(Math.min(...gaps)).toBeGreaterThanOrEqual(1_000);
    expect(total).toBeGreaterThanOrEqual(4);
    expect((total - 1) * 1_150).toBeLessThanOrEqual(elapsed);
  }, 20_000);

  it('without the shared budget (a memory budget per process) the same instances are throttled', async () => {
    // The control: what N processes did before, each pacing itself alone. No retries, so it is quick.
    const clients = [0, 1, 2].map(
      () =>
        createKlaviyo({
          apiKey: emu.account.privateKey,
          baseUrl: emu.url,
          retry: { maxThrottledRetries: 0 },
        }).client,
    );
    const before = (await emu.inspect()).throttled as number;
    const outcomes = await Promise.allSettled(
      clients.flatMap((c) => [0, 1, 2].map(() => c.call('get_flows'))), // 3/s, each client allows 2
    );
    const throttled = ((await emu.inspect()).throttled as number) - before;
    console.log(`get_flows unshared: 9 calls from 3 clients, ${throttled} 429s`);
    expect(throttled).toBeGreaterThan(0);
    expect(outcomes.some((o) => o.status === 'rejected')).toBe(true);
  });
});
