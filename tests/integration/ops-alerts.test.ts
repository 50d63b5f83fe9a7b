import { raw } from 'sql-template-tag';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { createKlaviyoNext } from '../../lib/klaviyo-next/index.js';
import type { KlaviyoAlert } from '../../lib/klaviyo-next/ops/index.js';
import { failureOf } from '../../lib/klaviyo-next/ops/round-report.js';
import { openPostgres } from '../../lib/klaviyo-next/sql/postgres.js';
import type { SqlDatabase } from '../../lib/klaviyo-next/sql/types.js';
import { freshSqlite } from '../support/databases.js';
import { type TestEmulator, withEmulator } from '../support/emulator.js';
import { emulatorEnv, orderMessage, poisonMessage, withFreshPostgres } from '../support/ops-fixtures.js';
import { describeWithPostgres } from '../support/requirements.js';

/**
 * createKlaviyoNext({ onAlert }) against the emulator: what a host's pager is told when messages are
 * dead-lettered, Klaviyo throttles, rounds keep failing (a refused key, an outage) and the backlog
 * stops moving, and that each recovery is told too. The instance's clock runs with real time plus
 * an offset the test moves, so retries come due without waiting for them.
 */
let emu: TestEmulator;
withEmulator({ rateLimits: false }, (started) => {
  emu = started;
});

const REVOKED_KEY = 'pk_revoked0000000000000000000000';

/** One plugin instance with its own clock, alerts and log. */
function instance(db: SqlDatabase, env: Record<string, string> = {}) {
  const clock = { offset: 0 };
  const alerts: KlaviyoAlert[] = [];
  const logs: { event: string; fields?: Record<string, unknown> }[] = [];
  const klaviyo = createKlaviyoNext({
    env: {
      ...emulatorEnv(emu),
      ...env,
    },
    sql: db,
    now: () => Date.now() + clock.offset,
    log: (event, fields) => logs.push({ event, ...(fields ? { fields } : {}) }),
    onAlert: (alert) => {
      alerts.push(alert);
    },
  });
  const of = <K extends KlaviyoAlert['kind']>(kind: K) =>
    alerts.filter((a): a is Extract<KlaviyoAlert, { kind: K }> => a.kind === kind);
  return { klaviyo, clock, alerts, logs, of };
}

const waiting = async (db: SqlDatabase) => {
  const [row] = await db.query<{ n: number }>(
    raw(`SELECT COUNT(*) AS n FROM klaviyo_outbox WHERE state IN ('pending', 'retrying')`),
  );
  return Number(row?.n);
};

/** Drains, moving the instance's clock past any backoff, until nothing waits. */
async function drainAll(host: ReturnType<typeof instance>, db: SqlDatabase) {
  for (let i = 0; i < 100; i++) {
    await host.klaviyo.drain();
    if ((await waiting(db)) === 0) return;
    host.clock.offset += 60_000;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error('the outbox did not drain');
}

describe('the alert hook', () => {
  let db: SqlDatabase;
  beforeAll(async () => {
    db = await freshSqlite();
  });
  afterAll(async () => {
    await db.close();
  });

  it('dead_lettered: a round that dead-letters messages says how many; the rest is delivered and nothing else is told', async () => {
    const host = instance(db);
    await db.transaction((tx) =>
      host.klaviyo.enqueue(tx, [
        orderMessage('AL-DEAD-1'),
        orderMessage('AL-DEAD-2'),
        poisonMessage('AL-DEAD-P'),
      ]),
    );
    await drainAll(host, db);
    expect(host.of('dead_lettered')).toEqual([
      expect.objectContaining({ count: 1, message: expect.stringContaining('dead letters') }),
    ]);
    expect(host.alerts.map((a) => a.kind)).toEqual(['dead_lettered']);
    host.klaviyo.ops.close();
  });

  it('throttled: a storm of 429s is told once, and everything is still delivered', async () => {
    const host = instance(db);
    await emu.setFaults({ storm429: { count: 2, retryAfterSeconds: 1 } });
    await db.transaction((tx) =>
      host.klaviyo.enqueue(tx, [orderMessage('AL-THR-1'), orderMessage('AL-THR-2')]),
    );
    await drainAll(host, db);
    await emu.clearFaults();
    expect(host.of('throttled')).toEqual([expect.objectContaining({ throttled: expect.any(Number) })]);
    expect(host.of('throttled')[0]?.throttled).toBeGreaterThanOrEqual(1);
    expect(host.of('rounds_failing')).toEqual([]);
    host.klaviyo.ops.close();
  });

  it('rounds_failing key_refused: a revoked key is told once, after three rounds, naming the variable and not the key', async () => {
    const host = instance(db, { KLAVIYO_PRIVATE_KEY: REVOKED_KEY });
    await db.transaction((tx) =>
      host.klaviyo.enqueue(tx, [orderMessage('AL-KEY-1'), orderMessage('AL-KEY-2')]),
    );
    for (let round = 0; round < 6; round++) {
      await host.klaviyo.drain();
      host.clock.offset += 30 * 60_000; // past the retry's backoff
    }
    const told = host.of('rounds_failing');
    expect(told).toHaveLength(1);
    expect(told[0]).toMatchObject({ cause: 'key_refused', consecutive: 3, status: 401 });
    expect(told[0]?.message).toContain('KLAVIYO_PRIVATE_KEY');
    expect(JSON.stringify(host.alerts)).not.toContain(REVOKED_KEY);
    // Nothing accepted is lost: the messages wait for a valid key.
    expect(await waiting(db)).toBe(2);
    host.klaviyo.ops.close();
    await db.query(raw(`DELETE FROM klaviyo_outbox WHERE dedup_key LIKE '%AL-KEY-%'`));
  });

  it('rounds_failing klaviyo_unavailable during an outage, then recovered when rounds deliver again', async () => {
    const host = instance(db);
    await emu.setFaults({ down: true });
    try {
      await db.transaction((tx) => host.klaviyo.enqueue(tx, [orderMessage('AL-DOWN-1')]));
      for (let round = 0; round < 4; round++) {
        await host.klaviyo.drain();
        host.clock.offset += 30 * 60_000;
      }
    } finally {
      await emu.clearFaults();
    }
    expect(host.of('rounds_failing')).toEqual([
      expect.objectContaining({ cause: 'klaviyo_unavailable', consecutive: 3, status: 503 }),
    ]);
    await drainAll(host, db);
    // Two hours passed on the instance's clock: the waiting message also raised (and ended) backlog_stale.
    expect(host.of('recovered').filter((r) => r.from === 'rounds_failing')).toHaveLength(1);
    host.klaviyo.ops.close();
  });

  it('backlog_stale: the oldest waiting message past OUTBOX_ALERT_PENDING_MINUTES is told once, and its end', async () => {
    const host = instance(db, { OUTBOX_ALERT_PENDING_MINUTES: '5' });
    await db.transaction((tx) => host.klaviyo.enqueue(tx, [orderMessage('AL-OLD-1')]));
    // Enqueued ten minutes ago and scheduled for a retry an hour from now (a long backoff).
    const now = Date.now();
    await db.query(
      raw(`UPDATE klaviyo_outbox SET created_at = ${now - 600_000}, available_at = ${now + 3_600_000}
           WHERE dedup_key LIKE '%AL-OLD-1%'`),
    );
    await host.klaviyo.drain(); // a round with nothing due still looks at the backlog
    await host.klaviyo.drain();
    await vi.waitFor(() => expect(host.of('backlog_stale')).toHaveLength(1));
    expect(host.of('backlog_stale')[0]).toMatchObject({ thresholdMs: 300_000, waiting: 1 });
    expect(host.of('backlog_stale')[0]?.oldestPendingAgeMs).toBeGreaterThanOrEqual(600_000);
    await db.query(raw(`UPDATE klaviyo_outbox SET available_at = 0 WHERE dedup_key LIKE '%AL-OLD-1%'`));
    await drainAll(host, db);
    host.clock.offset += 2 * 60_000; // the backlog is read at most once a minute
    await host.klaviyo.drain();
    await vi.waitFor(() =>
      expect(host.of('recovered')).toEqual([expect.objectContaining({ from: 'backlog_stale' })]),
    );
    expect(host.of('backlog_stale')).toHaveLength(1);
    host.klaviyo.ops.close();
  });

  it('a hook that throws or rejects is logged and never stops delivery', async () => {
    for (const hook of [
      () => {
        throw new Error('pager down');
      },
      async () => {
        throw new Error('pager down (async)');
      },
    ]) {
      const logs: string[] = [];
      const klaviyo = createKlaviyoNext({
        env: { KLAVIYO_API_URL: emu.url, KLAVIYO_PRIVATE_KEY: emu.account.privateKey },
        sql: db,
        log: (event, fields) => logs.push(`${event} ${JSON.stringify(fields)}`),
        onAlert: hook,
      });
      const id = `AL-HOOK-${logs.length}-${hook.constructor.name}`;
      await db.transaction((tx) => klaviyo.enqueue(tx, [orderMessage(`${id}-1`), poisonMessage(`${id}-P`)]));
      const result = await klaviyo.drain();
      expect(result).toMatchObject({ delivered: 1, dead: 1 });
      await vi.waitFor(() =>
        expect(logs.some((l) => l.startsWith('ops.alert_hook_failed') && l.includes('pager down'))).toBe(
          true,
        ),
      );
      klaviyo.ops.close();
    }
  });
});

describe('the alert hook when the database fails', () => {
  it('rounds_failing database after three rounds that could not claim; the hook hears no connection string', async () => {
    const db = openPostgres('postgres://alert_user:alert-s3cret@127.0.0.1:1/alert_db', { max: 1 });
    const host = instance(db);
    try {
      for (let round = 0; round < 4; round++) await expect(host.klaviyo.drain()).rejects.toThrow();
      expect(host.of('rounds_failing')).toEqual([
        expect.objectContaining({ cause: 'database', consecutive: 3 }),
      ]);
      expect(JSON.stringify(host.alerts)).not.toContain('alert-s3cret');
    } finally {
      host.klaviyo.ops.close();
      await db.close();
    }
  });
});

describe('which rounds count as failed', () => {
  const round = { claimed: 5, delivered: 0, retrying: 5, dead: 0 };
  it('a throw is the database; 401/403 the key; 5xx, timeouts and connection errors Klaviyo; a 429 or a lost lease none', () => {
    expect(failureOf({ ...round, failed: 'Error: connect ECONNREFUSED' })).toBe('database');
    expect(failureOf({ ...round, stoppedBy: { status: 401, code: 'not_authenticated' } })).toBe(
      'key_refused',
    );
    expect(failureOf({ ...round, stoppedBy: { status: 403, code: 'permission_denied' } })).toBe(
      'key_refused',
    );
    expect(failureOf({ ...round, stoppedBy: { status: 503, code: 'service_unavailable' } })).toBe(
      'klaviyo_unavailable',
    );
    expect(failureOf({ ...round, stoppedBy: { status: 0, code: 'timeout' } })).toBe('klaviyo_unavailable');
    expect(failureOf({ ...round, stoppedBy: { status: 429, code: 'throttled' } })).toBeUndefined();
    expect(failureOf({ ...round, stoppedBy: { status: 0, code: 'lease_lost' } })).toBeUndefined();
    expect(failureOf({ ...round, delivered: 5, retrying: 0 })).toBeUndefined();
  });
});

describeWithPostgres('alerts of two instances with a refused key on one Postgres outbox', () => {
  const schema = withFreshPostgres();

  it('interleaving: draining at once, each instance tells its own rounds_failing once; nothing is lost', async () => {
    const pg = schema();
    const pair = [
      instance(pg, { KLAVIYO_PRIVATE_KEY: REVOKED_KEY }),
      instance(pg, { KLAVIYO_PRIVATE_KEY: REVOKED_KEY }),
    ];
    const [first] = pair;
    if (!first) throw new Error('two instances');
    await pg.transaction((tx) =>
      first.klaviyo.enqueue(
        tx,
        Array.from({ length: 40 }, (_, i) => orderMessage(`AL-PAIR-${i}`)),
      ),
    );
    for (let round = 0; round < 8; round++) {
      await Promise.all(pair.map((host) => host.klaviyo.drain()));
      for (const host of pair) host.clock.offset += 30 * 60_000;
    }
    // Each claimed a share of the messages each time; the one that claimed nothing in a round was idle.
    const told = pair.map((host) => host.of('rounds_failing'));
    expect(told.flat().length).toBeGreaterThanOrEqual(1);
    for (const alerts of told) {
      expect(alerts.length).toBeLessThanOrEqual(1);
      for (const alert of alerts) expect(alert).toMatchObject({ cause: 'key_refused', status: 401 });
    }
    expect(await waiting(pg)).toBe(40);
    for (const host of pair) host.klaviyo.ops.close();
  }, 120_000);
});
