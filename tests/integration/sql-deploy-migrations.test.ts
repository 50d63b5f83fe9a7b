import { execFile } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { drizzle } from 'drizzle-orm/node-postgres';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openAppDatabase } from '../../lib/app/database.js';
import { lazyDatabase } from '../../lib/app/lazy-database.js';
import { migrateAppDatabase, STORE_MIGRATIONS_TABLE } from '../../lib/app/migrations.js';
import { OutboxStore } from '../../lib/klaviyo-next/outbox/store.js';
import { profileMessage } from '../../lib/klaviyo-next/outbox/types.js';
import { drizzleDatabase } from '../../lib/klaviyo-next/sql/drizzle.js';
import {
  MigrationsPendingError,
  migrate,
  PLUGIN_MIGRATIONS,
  PLUGIN_MIGRATIONS_TABLE,
  type SqlDatabase,
  sql,
} from '../../lib/klaviyo-next/sql/index.js';
import { openPostgres } from '../../lib/klaviyo-next/sql/postgres.js';
import { STORE_MIGRATIONS } from '../../lib/store/schema.js';
import { describeWithPostgres, TEST_DATABASE_URL } from '../support/requirements.js';

/**
 * Migrations are a deploy step (`npm run migrate`): the app never migrates, it refuses a database that
 * is behind. Migration 115 builds the claim index by lane with CREATE INDEX CONCURRENTLY outside a
 * transaction, so checkouts keep writing to a large outbox while it builds; a build cut off halfway is
 * finished by the next run. Each test has a database of its own: a concurrent build waits for every
 * older transaction of its database, and this file holds such a transaction open on purpose.
 */

const LANE_INDEX = 'klaviyo_outbox_due_lane';
const UP_TO_114 = PLUGIN_MIGRATIONS.filter((m) => m.version < 115);
const exec = promisify(execFile);

const admin = new pg.Client({ connectionString: TEST_DATABASE_URL });
const made: string[] = [];
const opened: SqlDatabase[] = [];

function urlOf(name: string): string {
  const url = new URL(TEST_DATABASE_URL);
  url.pathname = `/${name}`;
  return url.toString();
}

async function freshDatabase(label: string): Promise<{ name: string; url: string; db: SqlDatabase }> {
  const name = `h4_${label}_${process.pid}_${Math.random().toString(36).slice(2, 8)}`;
  await admin.query(`CREATE DATABASE ${name}`);
  made.push(name);
  const url = urlOf(name);
  const db = openPostgres(url, { max: 4 });
  opened.push(db);
  return { name, url, db };
}

/** A message the store writes (a profile update), to show the outbox accepting writes. */
const message = (id: string) => profileMessage(id, { profile: { email: `${id.toLowerCase()}@example.com` } });

/** Waits (without a deadline of its own: the test's timeout is the limit) until `check` holds. */
async function until(check: () => Promise<boolean>): Promise<void> {
  while (!(await check())) await new Promise((resolve) => setTimeout(resolve, 25));
}

/** The backend running the concurrent build of the lane index in `database`, once it is running. */
async function buildingBackend(database: string): Promise<number> {
  let pid = 0;
  await until(async () => {
    const { rows } = await admin.query<{ pid: number }>(
      `SELECT pid FROM pg_stat_activity WHERE datname = $1 AND query LIKE 'CREATE INDEX CONCURRENTLY%${LANE_INDEX}%'
         AND state = 'active' AND wait_event_type = 'Lock'`,
      [database],
    );
    pid = rows[0]?.pid ?? 0;
    return pid !== 0;
  });
  return pid;
}

async function indexState(db: SqlDatabase, name: string): Promise<'valid' | 'invalid' | 'absent'> {
  const [row] = await db.query<{ valid: boolean }>(
    sql`SELECT i.indisvalid AS valid FROM pg_class c JOIN pg_index i ON i.indexrelid = c.oid
        WHERE c.relname = ${name} AND c.relnamespace = current_schema()::regnamespace`,
  );
  return row === undefined ? 'absent' : row.valid ? 'valid' : 'invalid';
}

const recorded = async (db: SqlDatabase) =>
  (await db.query<{ version: number }>(sql`SELECT version FROM klaviyo_migrations ORDER BY version`)).map(
    (r) => Number(r.version),
  );

/**
 * A transaction that keeps its snapshot open in `url`'s database: a concurrent index build there
 * waits for it to end before it finishes, which holds the build in progress for as long as the test
 * needs. (A plain CREATE INDEX would instead block every insert until it ends.)
 */
async function holdSnapshot(url: string): Promise<{ release: () => Promise<void> }> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  await client.query('BEGIN ISOLATION LEVEL REPEATABLE READ');
  await client.query('SELECT 1');
  return {
    release: async () => {
      await client.query('COMMIT');
      await client.end();
    },
  };
}

/**
 * A database at migration 114 holding one message, and `npm run migrate`'s work on it under way: the
 * concurrent build of the lane index running, held open by an older snapshot until `snapshot.release()`.
 */
async function buildHeldOpen(label: string, id: string) {
  const { name, url, db } = await freshDatabase(label);
  await migrate(db, UP_TO_114, { table: PLUGIN_MIGRATIONS_TABLE });
  const outbox = new OutboxStore(db);
  await db.transaction((tx) => outbox.enqueue(tx, [message(id)]));
  const snapshot = await holdSnapshot(url);
  const migrating = migrate(db, PLUGIN_MIGRATIONS, { table: PLUGIN_MIGRATIONS_TABLE });
  migrating.catch(() => undefined); // awaited by the test; a cut-off build rejects it on purpose
  const builder = await buildingBackend(name);
  return { url, db, outbox, snapshot, migrating, builder };
}

describeWithPostgres('migrations as a deploy step (Postgres)', () => {
  beforeAll(async () => {
    await admin.connect();
  });
  afterAll(async () => {
    for (const db of opened) await db.close().catch(() => undefined);
    for (const name of made) await admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
    await admin.end();
  });

  it('builds the lane index concurrently: another connection inserts into the outbox while the build runs', async () => {
    const { url, db, outbox, snapshot, migrating, builder } = await buildHeldOpen('cic', 'BEFORE-1');

    // A checkout's write, on a connection of its own, while the index is being built.
    const writer = openPostgres(url, { max: 1 });
    opened.push(writer);
    expect(await writer.transaction((tx) => new OutboxStore(writer).enqueue(tx, [message('DURING-1')]))).toBe(
      1,
    );
    // The build had not finished when the insert committed: the insert did not wait for it.
    const { rows } = await admin.query('SELECT 1 FROM pg_stat_activity WHERE pid = $1 AND state = $2', [
      builder,
      'active',
    ]);
    expect(rows).toHaveLength(1);
    expect(await recorded(db)).not.toContain(115);

    await snapshot.release();
    expect(await migrating).toBe(PLUGIN_MIGRATIONS.length - UP_TO_114.length);
    expect(await indexState(db, LANE_INDEX)).toBe('valid');
    expect(await indexState(db, 'klaviyo_outbox_due')).toBe('absent');
    expect(await recorded(db)).toEqual(PLUGIN_MIGRATIONS.map((m) => m.version));
    // Both messages, the one written during the build among them, are claimed through the new index.
    const claimed = await outbox.claim('w', 10, 60_000);
    expect(claimed.map((r) => r.key).sort()).toEqual(['profile:BEFORE-1', 'profile:DURING-1']);
  });

  it('finishes a build that was cut off: the INVALID index it left is dropped and built again', async () => {
    const { url, db, outbox, snapshot, migrating, builder } = await buildHeldOpen('cut', 'KEPT-1');
    // The migrating process dies mid-build (its connection ends, as when the deploy's container is killed).
    await admin.query('SELECT pg_terminate_backend($1)', [builder]);
    await expect(migrating).rejects.toThrow();
    await snapshot.release();

    expect(await indexState(db, LANE_INDEX)).toBe('invalid');
    expect(await recorded(db)).not.toContain(115);
    // Not yet migrated: the app refuses the database and says what to run.
    await expect(openAppDatabase({ databaseUrl: url, sqlitePath: '' })).rejects.toThrow(
      /115 klaviyo_outbox_due_by_lane.*npm run migrate/,
    );

    expect(await migrate(db, PLUGIN_MIGRATIONS, { table: PLUGIN_MIGRATIONS_TABLE })).toBe(
      PLUGIN_MIGRATIONS.length - UP_TO_114.length,
    );
    expect(await indexState(db, LANE_INDEX)).toBe('valid');
    expect(await indexState(db, 'klaviyo_outbox_due')).toBe('absent');
    expect(await recorded(db)).toEqual(PLUGIN_MIGRATIONS.map((m) => m.version));
    expect((await outbox.claim('w', 10, 60_000)).map((r) => r.key)).toEqual(['profile:KEPT-1']);
    expect(await migrate(db, PLUGIN_MIGRATIONS, { table: PLUGIN_MIGRATIONS_TABLE })).toBe(0);
  });

  it('`npm run migrate` started twice at once, in two processes, applies every migration once', async () => {
    const { url, db } = await freshDatabase('twice');
    // An upgrade (not a new database, which builds in transactions): 115 is built concurrently.
    await migrate(db, UP_TO_114, { table: PLUGIN_MIGRATIONS_TABLE });
    const run = () =>
      exec(process.execPath, ['--conditions=react-server', '--import', 'tsx', 'scripts/migrate.ts'], {
        env: {
          PATH: process.env.PATH ?? '',
          HOME: process.env.HOME ?? '',
          NODE_ENV: 'test',
          DATABASE_URL: url,
        },
      });
    const outputs = await Promise.all([run(), run()]);
    const applied = outputs.map(({ stdout }) => Number(/\[migrate\] (\d+) migration/.exec(stdout)?.[1]));
    expect(applied.reduce((a, b) => a + b, 0)).toBe(
      PLUGIN_MIGRATIONS.length - UP_TO_114.length + STORE_MIGRATIONS.length,
    );
    expect(await recorded(db)).toEqual(PLUGIN_MIGRATIONS.map((m) => m.version));
    const store = await db.query<{ version: number }>(
      sql`SELECT version FROM store_migrations ORDER BY version`,
    );
    expect(store.map((r) => Number(r.version))).toEqual(STORE_MIGRATIONS.map((m) => m.version));
    expect(await indexState(db, LANE_INDEX)).toBe('valid');
    expect(STORE_MIGRATIONS_TABLE).toBe('store_migrations');
  });

  it('through the Drizzle adapter (a host like tests/fixtures/host-store), two migrators at once build the index once', async () => {
    const { url, db } = await freshDatabase('drizzle');
    await migrate(db, UP_TO_114, { table: PLUGIN_MIGRATIONS_TABLE });
    const hosts = [
      new pg.Pool({ connectionString: url, max: 2 }),
      new pg.Pool({ connectionString: url, max: 2 }),
    ];
    try {
      const applied = await Promise.all(
        hosts.map((pool) =>
          migrate(drizzleDatabase(drizzle(pool)), PLUGIN_MIGRATIONS, { table: PLUGIN_MIGRATIONS_TABLE }),
        ),
      );
      expect(applied.reduce((a, b) => a + b, 0)).toBe(PLUGIN_MIGRATIONS.length - UP_TO_114.length);
      expect(await recorded(db)).toEqual(PLUGIN_MIGRATIONS.map((m) => m.version));
      expect(await indexState(db, LANE_INDEX)).toBe('valid');
    } finally {
      await Promise.all(hosts.map((pool) => pool.end()));
    }
  });

  it('the app refuses an unmigrated database with an error naming `npm run migrate`, and serves once it is migrated', async () => {
    const { url, db } = await freshDatabase('refuse');
    const app = lazyDatabase('postgres', () => openAppDatabase({ databaseUrl: url, sqlitePath: '' }));
    opened.push(app);
    const refused = await app.query(sql`SELECT 1 AS one`).catch((error: unknown) => error);
    expect(refused).toBeInstanceOf(MigrationsPendingError);
    expect(String((refused as Error).message)).toMatch(
      /not up to date.*100 klaviyo_outbox.*`npm run migrate`/,
    );
    // It created nothing: checking is read-only.
    expect(await db.query(sql`SELECT 1 WHERE to_regclass('klaviyo_migrations') IS NOT NULL`)).toEqual([]);

    await migrateAppDatabase(db);
    // A new database is built in transactions (nothing to build concurrently for): the index is there.
    expect(await indexState(db, LANE_INDEX)).toBe('valid');
    // The same app object serves the next statement: no restart after the deploy step.
    expect(await app.query(sql`SELECT 1 AS one`)).toEqual([{ one: 1 }]);
  });
});

describe('migrations as a deploy step (SQLite)', () => {
  it('the app refuses an unmigrated SQLite file, and `npm run migrate` on that file lets it serve', async () => {
    const sqlitePath = join(mkdtempSync(join(tmpdir(), 'deploy-migrate-')), 'app.db');
    const app = lazyDatabase('sqlite', () => openAppDatabase({ databaseUrl: undefined, sqlitePath }));
    await expect(app.query(sql`SELECT 1 AS one`)).rejects.toThrow(/`npm run migrate`/);
    const { stdout } = await exec(
      process.execPath,
      ['--conditions=react-server', '--import', 'tsx', 'scripts/migrate.ts'],
      {
        env: {
          PATH: process.env.PATH ?? '',
          HOME: process.env.HOME ?? '',
          NODE_ENV: 'test',
          OUTBOX_SQLITE_PATH: sqlitePath,
        },
      },
    );
    expect(stdout).toContain(`${PLUGIN_MIGRATIONS.length + STORE_MIGRATIONS.length} migration(s) applied`);
    expect(await app.query(sql`SELECT 1 AS one`)).toEqual([{ one: 1 }]);
    await app.close();
  });
});
