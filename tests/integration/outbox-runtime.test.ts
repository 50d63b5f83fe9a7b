import pg from 'pg';
import { afterAll, expect, it } from 'vitest';
import { migrateAppDatabase } from '../../lib/app/migrations.js';
import { placedOrder } from '../../lib/klaviyo-next/events/orders.js';
import { OutboxStore } from '../../lib/klaviyo-next/outbox/store.js';
import { eventMessage } from '../../lib/klaviyo-next/outbox/types.js';
import { openPostgres } from '../../lib/klaviyo-next/sql/postgres.js';
import type { SqlDatabase } from '../../lib/klaviyo-next/sql/types.js';
import { type TestEmulator, withEmulator } from '../support/emulator.js';
import { describeWithPostgres, TEST_DATABASE_URL } from '../support/requirements.js';
import { startWorker, type WorkerProcess } from '../support/worker-process.js';

/**
 * The app's own runtime (lib/app: its database and its createKlaviyoNext instance, configured from
 * the environment) when its database is down at the first drain and comes back: delivery must resume in
 * the same process, without a restart. The database is "down" for real: DATABASE_URL names a
 * database that does not exist yet, and the test creates it.
 */

const order = (orderId: string) =>
  eventMessage(
    placedOrder(
      {
        orderId,
        currency: 'USD',
        placedAt: new Date().toISOString(),
        customer: { email: 'outage@example.com' },
        lines: [],
        discountCents: 0,
        shippingCents: 0,
        taxCents: 0,
        totalCents: 1000,
      },
      { email: 'outage@example.com' },
    ),
  );

const databaseName = (label: string) => `${label}_${process.pid}_${Math.random().toString(36).slice(2, 8)}`;
const urlOf = (name: string) => {
  const url = new URL(TEST_DATABASE_URL);
  url.pathname = `/${name}`;
  return url.toString();
};

/** Migrates a database as `npm run migrate` does: the app and the worker only check the schema. */
async function migrated(name: string) {
  const db = openPostgres(urlOf(name), { max: 1 });
  try {
    await migrateAppDatabase(db);
  } finally {
    await db.close();
  }
}

/** Polls `check` until it holds; the tests assert what happens, not how long it takes. */
async function eventually(check: () => Promise<boolean> | boolean, what: string, worker?: WorkerProcess) {
  while (!(await check())) {
    if (worker && (await Promise.race([worker.exited.then(() => true), Promise.resolve(false)])))
      throw new Error(`the worker exited while waiting for ${what}:\n${worker.output()}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

describeWithPostgres('the app’s delivery runtime after a database outage', () => {
  const name = databaseName('outage');
  let emu: TestEmulator;
  const admin = new pg.Client({ connectionString: TEST_DATABASE_URL });

  withEmulator({}, async (started) => {
    emu = started;
    // Read once, at the runtime's first env() call below.
    process.env.DATABASE_URL = urlOf(name);
    process.env.KLAVIYO_API_URL = emu.url;
    process.env.KLAVIYO_PRIVATE_KEY = emu.account.privateKey;
    process.env.NEXT_PUBLIC_KLAVIYO_COMPANY_ID = emu.account.publicKey;
    await admin.connect();
  });
  afterAll(async () => {
    await (await import('../../lib/app/index.js')).app.db.close();
    for (const worker of workers) worker.kill();
    await Promise.all(workers.map((w) => w.exited));
    await workerDb?.close();
    for (const db of [name, workerDbName]) await admin.query(`DROP DATABASE IF EXISTS ${db} WITH (FORCE)`);
    await admin.end();
  });
  const workers: WorkerProcess[] = [];
  const workerDbName = databaseName('worker_outage');
  let workerDb: SqlDatabase | undefined;

  it('a drain that finds the database down fails; once it is back, the next drain delivers', async () => {
    // Imported after the environment is set: the app reads its settings at first use.
    const { app } = await import('../../lib/app/index.js');
    await expect(app.klaviyo.drain()).rejects.toThrow(/does not exist/);
    await expect(app.klaviyo.drain()).rejects.toThrow(/does not exist/);

    await admin.query(`CREATE DATABASE ${name}`);
    await migrated(name);
    const { db, klaviyo } = app;
    const outbox = klaviyo.outbox;
    expect(await db.transaction((tx) => klaviyo.enqueue(tx, [order('NW-OUTAGE-1')]))).toBe(1);

    const round = await klaviyo.drain();
    expect(round?.delivered).toBe(1);
    expect(await outbox.counts()).toMatchObject({ delivered: 1, pending: 0, retrying: 0, dead: 0 });
    const placed = (await emu.inspect('?events=full&metric=Placed%20Order')).events as unknown[];
    expect(JSON.stringify(placed)).toContain('NW-OUTAGE-1');
  });

  it('the worker started while the database is down waits for it, and survives Postgres ending its connections', async () => {
    const worker = startWorker({
      DATABASE_URL: urlOf(workerDbName),
      KLAVIYO_API_URL: emu.url,
      KLAVIYO_PRIVATE_KEY: emu.account.privateKey,
      NEXT_PUBLIC_KLAVIYO_COMPANY_ID: emu.account.publicKey,
    });
    workers.push(worker);
    await eventually(
      () => worker.output().includes('does not exist'),
      'the worker to find no database',
      worker,
    );

    await admin.query(`CREATE DATABASE ${workerDbName}`);
    await migrated(workerDbName);
    await worker.started;
    // The test's own connections are named, so that ending "every session" below spares them.
    workerDb = openPostgres(`${urlOf(workerDbName)}?application_name=outage_test`, { max: 2 });
    const db = workerDb;
    const outbox = new OutboxStore(db);
    await db.transaction((tx) => outbox.enqueue(tx, [order('NW-WORKER-1')]));
    await eventually(async () => (await outbox.counts()).delivered === 1, 'the first delivery', worker);

    // Postgres ends every session of the worker (a restart or failover looks the same to it).
    const ended = await admin.query(
      `SELECT pg_terminate_backend(pid) FROM pg_stat_activity
       WHERE datname = $1 AND pid <> pg_backend_pid() AND application_name <> 'outage_test'`,
      [workerDbName],
    );
    expect(ended.rowCount).toBeGreaterThan(0);
    await db.transaction((tx) => outbox.enqueue(tx, [order('NW-WORKER-2')]));
    await eventually(
      async () => (await outbox.counts()).delivered === 2,
      'delivery after the outage',
      worker,
    );
    expect(await outbox.counts()).toMatchObject({ delivered: 2, pending: 0, retrying: 0, dead: 0 });

    worker.stop();
    expect(await worker.exited).toBe(0);
  });
});
