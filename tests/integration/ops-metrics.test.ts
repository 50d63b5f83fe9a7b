import { raw } from 'sql-template-tag';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createKlaviyoNext, type KlaviyoNext } from '../../lib/klaviyo-next/index.js';
import { type KlaviyoAlert, METRIC } from '../../lib/klaviyo-next/ops/index.js';
import { profileMessage } from '../../lib/klaviyo-next/outbox/types.js';
import type { SqlDatabase } from '../../lib/klaviyo-next/sql/types.js';
import { freshSqlite } from '../support/databases.js';
import { type TestEmulator, withEmulator } from '../support/emulator.js';
import {
  emulatorEnv,
  orderMessage,
  poisonMessage,
  recordedOrders,
  withFreshPostgres,
} from '../support/ops-fixtures.js';
import { memoryMetrics } from '../support/ops-metrics.js';
import { describeWithPostgres } from '../support/requirements.js';

/**
 * The plugin's OpenTelemetry metrics read through the real SDK (an in-memory reader, as a host's
 * instrumentation.ts registers one), after delivering real messages to the emulator.
 */
let emu: TestEmulator;
withEmulator({ rateLimits: false }, (started) => {
  emu = started;
});
const env = () => emulatorEnv(emu);
const recorded = (prefix: string) => recordedOrders(emu, prefix);

/** Drains until nothing is left to try now (a pause ends by itself: Retry-After). */
async function drainAll(klaviyo: KlaviyoNext, db: SqlDatabase) {
  for (let i = 0; i < 200; i++) {
    await klaviyo.drain();
    const [row] = await db.query<{ n: number }>(
      raw(`SELECT COUNT(*) AS n FROM klaviyo_outbox WHERE state IN ('pending', 'retrying')`),
    );
    if (Number(row?.n) === 0) return;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error('the outbox did not drain');
}

describe('metrics through the OpenTelemetry SDK', () => {
  let db: SqlDatabase;
  let klaviyo: KlaviyoNext;
  const otel = memoryMetrics();
  beforeAll(async () => {
    db = await freshSqlite();
    klaviyo = createKlaviyoNext({ env: env(), sql: db, meterProvider: otel.meterProvider });
  });
  afterAll(async () => {
    klaviyo.ops.close();
    await otel.shutdown();
    await db.close();
  });

  it('counts delivered messages, dead letters, rounds and their duration', async () => {
    const messages = [
      ...Array.from({ length: 10 }, (_, i) => orderMessage(`MET-${i}`)),
      poisonMessage('MET-POISON'),
    ];
    await db.transaction((tx) => klaviyo.enqueue(tx, messages));
    await drainAll(klaviyo, db);
    expect(await recorded('MET-')).toHaveLength(10);

    const read = await otel.collect();
    expect(read.value(METRIC.delivered)).toBe(10);
    expect(read.value(METRIC.deadLetters)).toBe(1);
    expect(read.value(METRIC.rounds, { 'klaviyo.outbox.round.outcome': 'sent' })).toBeGreaterThanOrEqual(1);
    const durations = read.histogram(METRIC.roundDuration);
    expect(durations?.count).toBeGreaterThanOrEqual(1);
    expect(durations?.sum).toBeGreaterThan(0);
    expect(read.unit(METRIC.roundDuration)).toBe('s');
    // Nothing was throttled: the counter exists only once something was.
    expect(read.sum(METRIC.throttled)).toBe(0);
  });

  it('reads the backlog and the oldest waiting message’s age from the outbox', async () => {
    await db.transaction((tx) =>
      klaviyo.enqueue(tx, [orderMessage('WAIT-1'), orderMessage('WAIT-2'), orderMessage('WAIT-3')]),
    );
    // Enqueued ten minutes ago, as far as the outbox can tell.
    await db.query(raw(`UPDATE klaviyo_outbox SET created_at = created_at - 600000 WHERE state = 'pending'`));
    const read = await otel.collect();
    expect(read.value(METRIC.backlog, { 'klaviyo.outbox.state': 'pending' })).toBe(3);
    expect(read.value(METRIC.backlog, { 'klaviyo.outbox.state': 'retrying' })).toBe(0);
    expect(read.value(METRIC.backlog, { 'klaviyo.outbox.state': 'dead' })).toBe(1);
    expect(read.value(METRIC.oldestPendingAge)).toBeGreaterThanOrEqual(600);
    expect(read.value(METRIC.oldestPendingAge)).toBeLessThan(3600);
    await drainAll(klaviyo, db);
    const after = await otel.collect();
    expect(after.value(METRIC.backlog, { 'klaviyo.outbox.state': 'pending' })).toBe(0);
    expect(after.value(METRIC.oldestPendingAge)).toBe(0);
    expect(after.value(METRIC.delivered)).toBe(13);
  });

  it('counts the 429s Klaviyo answered, and still delivers everything after the pause', async () => {
    const before = (await otel.collect()).sum(METRIC.throttled);
    await emu.setFaults({ storm429: { count: 2, retryAfterSeconds: 1 } });
    await db.transaction((tx) =>
      klaviyo.enqueue(
        tx,
        Array.from({ length: 5 }, (_, i) => orderMessage(`THR-${i}`)),
      ),
    );
    await drainAll(klaviyo, db);
    await emu.clearFaults();
    const read = await otel.collect();
    expect(read.sum(METRIC.throttled) - before).toBe(2);
    // The client waits out Retry-After itself (or the dispatcher pauses): either way each 429 is counted once.
    expect(await recorded('THR-')).toHaveLength(5);
    expect(read.value(METRIC.delivered)).toBe(18);
  });
});

describe('dead letters from a profile import job’s errors', () => {
  it('are counted and alerted when the round that polls the job dead-letters them', async () => {
    const db = await freshSqlite();
    const otel = memoryMetrics();
    const alerts: KlaviyoAlert[] = [];
    const klaviyo = createKlaviyoNext({
      env: env(),
      sql: db,
      meterProvider: otel.meterProvider,
      onAlert: (alert) => {
        alerts.push(alert);
      },
    });
    try {
      // Profile writes without events go in one bulk_import_profiles job; two of them Klaviyo refuses.
      const writes = [
        ...[1, 2, 3, 4].map((i) =>
          profileMessage(`imp${i}`, { profile: { email: `imp${i}@example.com`, first_name: `I${i}` } }),
        ),
        profileMessage('imp-bad', { profile: { email: 'not-an-address' } }),
        profileMessage('imp-badphone', {
          profile: { email: 'imp-phone@example.com', phone_number: '555-0100' },
        }),
      ];
      await db.transaction((tx) => klaviyo.enqueue(tx, writes));
      const first = await klaviyo.drain();
      expect(first).toMatchObject({ delivered: 6, dead: 0 });
      await emu.settle();
      // A round polls the job before it claims (the drain's second round, or the next drain's): its
      // import errors dead-letter the two writes, outside the rounds' own `dead`.
      const next = await klaviyo.drain();
      expect((first?.importDead ?? 0) + (next?.importDead ?? 0)).toBe(2);
      const read = await otel.collect();
      expect(read.value(METRIC.deadLetters)).toBe(2);
      expect(read.value(METRIC.backlog, { 'klaviyo.outbox.state': 'dead' })).toBe(2);
      expect(alerts.filter((a) => a.kind === 'dead_lettered')).toEqual([
        expect.objectContaining({ count: 2 }),
      ]);
    } finally {
      klaviyo.ops.close();
      await otel.shutdown();
      await db.close();
    }
  });
});

describe('metrics without an SDK', () => {
  it('cost nothing and break nothing: the global API is a no-op', async () => {
    const db = await freshSqlite();
    const klaviyo = createKlaviyoNext({ env: env(), sql: db });
    try {
      await db.transaction((tx) => klaviyo.enqueue(tx, [orderMessage('NOSDK-1')]));
      await drainAll(klaviyo, db);
      expect(await recorded('NOSDK-')).toHaveLength(1);
    } finally {
      klaviyo.ops.close();
      await db.close();
    }
  });
});

describeWithPostgres('metrics of two instances draining one Postgres outbox at once', () => {
  const schema = withFreshPostgres();

  it('their delivered counters add up to what the emulator recorded, each message counted once', async () => {
    const pg = schema();
    const instances = [memoryMetrics(), memoryMetrics()].map((otel) => ({
      otel,
      klaviyo: createKlaviyoNext({ env: env(), sql: pg, meterProvider: otel.meterProvider }),
    }));
    try {
      const [first] = instances;
      if (!first) throw new Error('two instances');
      await pg.transaction((tx) =>
        first.klaviyo.enqueue(
          tx,
          Array.from({ length: 300 }, (_, i) => orderMessage(`PAIR-${i}`)),
        ),
      );
      await Promise.all(instances.map(({ klaviyo }) => drainAll(klaviyo, pg)));
      const counts = await Promise.all(
        instances.map(async ({ otel }) => (await otel.collect()).sum(METRIC.delivered)),
      );
      expect((counts[0] ?? 0) + (counts[1] ?? 0)).toBe(300);
      expect(await recorded('PAIR-')).toHaveLength(300);
      // Both read the same backlog from the database: 0 waiting.
      for (const { otel } of instances)
        expect((await otel.collect()).value(METRIC.backlog, { 'klaviyo.outbox.state': 'pending' })).toBe(0);
    } finally {
      for (const { otel, klaviyo } of instances) {
        klaviyo.ops.close();
        await otel.shutdown();
      }
    }
  }, 120_000);
});
