import { mkdtempSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { migrateAppDatabase } from '../../lib/app/migrations.js';
import { OutboxStore } from '../../lib/klaviyo-next/outbox/store.js';
import { openPostgres } from '../../lib/klaviyo-next/sql/postgres.js';
import { openSqlite } from '../../lib/klaviyo-next/sql/sqlite.js';
import type { SqlDatabase } from '../../lib/klaviyo-next/sql/types.js';
import { type TestEmulator, withEmulator } from '../support/emulator.js';
import { emulatorEnv, orderMessage, recordedOrders } from '../support/ops-fixtures.js';
import { describeWithPostgres, TEST_DATABASE_URL } from '../support/requirements.js';
import { startWorker, type WorkerProcess } from '../support/worker-process.js';

/**
 * `npm run worker` with WORKER_HEALTH_PORT: its /healthz and /readyz as an orchestrator probes them,
 * and its stop on SIGTERM (readiness 503 `stopping` while the round in flight ends, then exit 0; exit
 * 1 once the grace period is spent). The worker is a real child process on a real database; a round
 * is held in flight by a real Postgres lock on the outbox.
 */
/** A port nothing listens on now (the OS picks it). */
async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  await new Promise((resolve) => server.close(resolve));
  if (!address || typeof address === 'string') throw new Error('no port');
  return address.port;
}

/** Polls `check` until it holds; the tests assert what happens, not how long it takes. */
async function eventually(check: () => Promise<boolean> | boolean, what: string, worker: WorkerProcess) {
  while (!(await check())) {
    if (await Promise.race([worker.exited.then(() => true), Promise.resolve(false)]))
      throw new Error(`the worker exited while waiting for ${what}:\n${worker.output()}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

const probe = async (port: number, path: string, method = 'GET') => {
  const response = await fetch(`http://127.0.0.1:${port}${path}`, { method });
  const text = await response.text();
  return { status: response.status, body: text ? (JSON.parse(text) as Record<string, unknown>) : undefined };
};

let emu: TestEmulator;
withEmulator({ rateLimits: false }, (started) => {
  emu = started;
});
const klaviyoEnv = () => emulatorEnv(emu);
const workers: WorkerProcess[] = [];

/** `npm run worker` on the emulator's account with its probes on a free port, stopped after the file. */
async function probedWorker(env: Record<string, string>) {
  const port = await freePort();
  const worker = startWorker({ ...klaviyoEnv(), WORKER_HEALTH_PORT: String(port), ...env });
  workers.push(worker);
  return { worker, port };
}
afterAll(async () => {
  for (const worker of workers) worker.kill();
  await Promise.all(workers.map((w) => w.exited));
});

describe('the worker’s probes on SQLite', () => {
  let db: SqlDatabase;
  let path: string;
  beforeAll(async () => {
    path = join(mkdtempSync(join(tmpdir(), 'ops-worker-')), 'app.db');
    db = openSqlite(path);
    await migrateAppDatabase(db);
  });
  afterAll(async () => {
    await db.close();
  });

  it('answers /healthz and /readyz while it delivers, nothing else, and stops on SIGTERM with exit 0', async () => {
    const { worker, port } = await probedWorker({ OUTBOX_SQLITE_PATH: path });
    await worker.started;
    expect(await probe(port, '/healthz')).toEqual({
      status: 200,
      body: expect.objectContaining({ status: 'ok' }),
    });
    expect(await probe(port, '/readyz')).toEqual({
      status: 200,
      body: { status: 'ready', checks: { database: 'ok', migrations: 'ok' } },
    });
    expect((await probe(port, '/metrics')).status).toBe(404);
    expect((await probe(port, '/healthz', 'POST')).status).toBe(405);
    const outbox = new OutboxStore(db);
    await db.transaction((tx) =>
      outbox.enqueue(tx, [orderMessage('NW-WPROBE-1'), orderMessage('NW-WPROBE-2')]),
    );
    await eventually(async () => (await outbox.counts()).delivered === 2, 'the deliveries', worker);
    expect((await probe(port, '/healthz')).body).toMatchObject({
      status: 'ok',
      lastRoundSecondsAgo: expect.any(Number),
    });
    // Nothing in either answer names the key, the database or a message.
    const answers = JSON.stringify([await probe(port, '/healthz'), await probe(port, '/readyz')]);
    for (const secret of [emu.account.privateKey, path, 'NW-WPROBE']) expect(answers).not.toContain(secret);
    worker.stop();
    expect(await worker.exited).toBe(0);
    expect(worker.output()).toContain('[worker] stopped');
  });

  it('started before the deploy step migrated its database: alive (starting), not ready (naming the migrations), then both', async () => {
    const fresh = join(mkdtempSync(join(tmpdir(), 'ops-worker-unmigrated-')), 'app.db');
    const { worker, port } = await probedWorker({ OUTBOX_SQLITE_PATH: fresh });
    await eventually(() => worker.output().includes(`probes on port ${port}`), 'the probe server', worker);
    await eventually(
      () => worker.output().includes('cannot open the outbox yet'),
      'the wait for migrations',
      worker,
    );
    expect(await probe(port, '/healthz')).toEqual({ status: 200, body: { status: 'starting' } });
    const ready = await probe(port, '/readyz');
    expect(ready.status).toBe(503);
    expect(ready.body).toMatchObject({
      status: 'not_ready',
      checks: { database: 'ok', migrations: expect.stringContaining('not applied') },
    });
    const deploy = openSqlite(fresh);
    await migrateAppDatabase(deploy);
    await deploy.close();
    await worker.started;
    await eventually(async () => (await probe(port, '/readyz')).status === 200, 'readiness', worker);
    expect((await probe(port, '/healthz')).body).toMatchObject({ status: 'ok' });
    worker.stop();
    expect(await worker.exited).toBe(0);
  });

  it('refuses a probe port it cannot use, naming the variable', async () => {
    const { worker } = await probedWorker({ OUTBOX_SQLITE_PATH: path, WORKER_HEALTH_PORT: '80' });
    expect(await worker.exited).not.toBe(0);
    expect(worker.output()).toContain('WORKER_HEALTH_PORT must be at least 1024');
  });
});

describeWithPostgres('the worker’s stop on Postgres, with a round held in flight by a lock', () => {
  const name = `ops_worker_${process.pid}_${Math.random().toString(36).slice(2, 8)}`;
  const url = (() => {
    const u = new URL(TEST_DATABASE_URL);
    u.pathname = `/${name}`;
    return u.toString();
  })();
  const admin = new pg.Client({ connectionString: TEST_DATABASE_URL });
  let db: SqlDatabase;
  let outbox: OutboxStore;
  beforeAll(async () => {
    await admin.connect();
    await admin.query(`CREATE DATABASE ${name}`);
    db = openPostgres(url, { max: 3 });
    await migrateAppDatabase(db);
    outbox = new OutboxStore(db);
  }, 120_000);
  afterAll(async () => {
    await db.close();
    await admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
    await admin.end();
  });

  /** Holds an exclusive lock on the outbox until the returned function is called. */
  async function lockOutbox() {
    const holder = new pg.Client({ connectionString: url });
    await holder.connect();
    await holder.query('BEGIN');
    await holder.query('LOCK TABLE klaviyo_outbox IN ACCESS EXCLUSIVE MODE');
    return async () => {
      await holder.query('ROLLBACK');
      await holder.end();
    };
  }
  const waitingOnLock = async () => {
    const { rows } = await admin.query(
      `SELECT COUNT(*) AS n FROM pg_stat_activity WHERE datname = $1 AND wait_event_type = 'Lock'`,
      [name],
    );
    return Number(rows[0]?.n);
  };
  const blockedOnLock = async () => (await waitingOnLock()) > 0;

  it('SIGTERM mid-round: /readyz answers 503 stopping at once, /healthz still answers, and it exits 0 when the round ends', async () => {
    const { worker, port } = await probedWorker({ DATABASE_URL: url });
    await worker.started;
    await db.transaction((tx) => outbox.enqueue(tx, [orderMessage('NW-WSTOP-1')]));
    await eventually(async () => (await outbox.counts()).delivered === 1, 'the first delivery', worker);

    const unlock = await lockOutbox();
    try {
      await eventually(blockedOnLock, 'the worker to wait on the lock', worker);
      // The database answers and the schema is current: a blocked round is not unreadiness.
      expect((await probe(port, '/readyz')).status).toBe(200);
      worker.stop();
      await eventually(
        async () => (await probe(port, '/readyz')).status === 503,
        'readiness to say stopping',
        worker,
      );
      expect(await probe(port, '/readyz')).toEqual({ status: 503, body: { status: 'stopping' } });
      expect((await probe(port, '/healthz')).status).toBe(200);
    } finally {
      await unlock();
    }
    expect(await worker.exited).toBe(0);
    expect(worker.output()).toContain('[worker] stopped');
  }, 120_000);

  it('interleaving: two workers, one stopped mid-round: it says stopping and exits 0, the other stays ready and delivers everything once', async () => {
    const before = (await outbox.counts()).delivered;
    await db.transaction((tx) =>
      outbox.enqueue(
        tx,
        Array.from({ length: 50 }, (_, i) => orderMessage(`NW-WPAIR-${i}`)),
      ),
    );
    // Both workers start against a locked outbox, so each is in its first round when A is stopped.
    const unlock = await lockOutbox();
    const { worker: a, port: portA } = await probedWorker({ DATABASE_URL: url });
    const { worker: b, port: portB } = await probedWorker({ DATABASE_URL: url });
    try {
      await Promise.all([a.started, b.started]);
      await eventually(async () => (await waitingOnLock()) >= 2, 'both workers to wait on the lock', a);
      a.stop();
      await eventually(async () => (await probe(portA, '/readyz')).status === 503, 'A to say stopping', a);
      expect((await probe(portB, '/readyz')).status).toBe(200);
    } finally {
      await unlock();
    }
    expect(await a.exited).toBe(0);
    await db.transaction((tx) =>
      outbox.enqueue(
        tx,
        Array.from({ length: 20 }, (_, i) => orderMessage(`NW-WPAIR-late-${i}`)),
      ),
    );
    await eventually(async () => (await outbox.counts()).delivered === before + 70, 'every delivery', b);
    const ours = await recordedOrders(emu, 'NW-WPAIR-');
    expect(ours).toHaveLength(70);
    expect(new Set(ours.map((e) => e.uniqueId)).size).toBe(70);
    b.stop();
    expect(await b.exited).toBe(0);
  }, 120_000);

  it('a round that does not end: /healthz goes stalled after WORKER_STALE_AFTER_SECONDS, and SIGTERM exits 1 after the grace period', async () => {
    const { worker, port } = await probedWorker({
      DATABASE_URL: url,
      WORKER_STALE_AFTER_SECONDS: '10',
      WORKER_SHUTDOWN_GRACE_SECONDS: '1',
    });
    await worker.started;
    const unlock = await lockOutbox();
    try {
      await eventually(
        async () => (await probe(port, '/healthz')).status === 503,
        'liveness to go stalled',
        worker,
      );
      expect((await probe(port, '/healthz')).body).toMatchObject({
        status: 'stalled',
        staleAfterSeconds: 10,
      });
      worker.stop();
      expect(await worker.exited).toBe(1);
      expect(worker.output()).toContain('still stopping after the grace period');
    } finally {
      await unlock();
    }
  }, 120_000);
});
