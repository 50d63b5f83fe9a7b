import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import pg from 'pg';
import { afterAll, describe, expect, it } from 'vitest';
import { migrateAppDatabase, STORE_MIGRATIONS_TABLE } from '../../lib/app/migrations.js';
import { OUTSIDE_TRANSACTION_BEGIN, OUTSIDE_TRANSACTION_END } from '../../lib/klaviyo-next/migrations.js';
import { OutboxStore } from '../../lib/klaviyo-next/outbox/store.js';
import { profileMessage } from '../../lib/klaviyo-next/outbox/types.js';
import {
  type Migration,
  migrate,
  migrationSql,
  PLUGIN_MIGRATIONS,
  PLUGIN_MIGRATIONS_TABLE,
  raw,
  type SqlDatabase,
  sql,
} from '../../lib/klaviyo-next/sql/index.js';
import { statementsOf } from '../../lib/klaviyo-next/sql/migrate.js';
import { openPostgres } from '../../lib/klaviyo-next/sql/postgres.js';
import { openSqlite } from '../../lib/klaviyo-next/sql/sqlite.js';
import { STORE_MIGRATIONS } from '../../lib/store/schema.js';
import { describeWithPostgres, TEST_DATABASE_URL } from '../support/requirements.js';

/**
 * The plugin's migrations are recorded in `klaviyo_migrations` and the demo store's in
 * `store_migrations`; every plugin table is prefixed `klaviyo_`. A database made before (one
 * `schema_migrations` for everything, tables `app_rate_limits`, `admin_cache`, `admin_call_budget`)
 * is adopted: nothing re-runs and no row is lost.
 */

/** The migrations as they were before this bookkeeping: all but the renames of its tables. */
// (A concurrent index build cannot run in the old way's transactions; it runs after the adoption.)
const BEFORE = [...PLUGIN_MIGRATIONS, ...STORE_MIGRATIONS].filter(
  (m) => ![111, 302].includes(m.version) && m.transaction !== false,
);
/** What the first migrate() after the old bookkeeping runs: the renames (111, 302) and the concurrent builds. */
const AFTER = PLUGIN_MIGRATIONS.length + STORE_MIGRATIONS.length - BEFORE.length;

/** The old migrate(): one `schema_migrations` for every owner. */
async function migrateTheOldWay(db: SqlDatabase, migrations: readonly Migration[]) {
  for (const migration of [...migrations].sort((a, b) => a.version - b.version))
    await db.transaction(async (tx) => {
      await tx.query(
        sql`CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at BIGINT NOT NULL)`,
      );
      for (const statement of statementsOf(migration, db.dialect)) await tx.query(raw(statement));
      await tx.query(
        sql`INSERT INTO schema_migrations (version, name, applied_at) VALUES (${migration.version}, ${migration.name}, ${1_700_000_000_000})`,
      );
    });
}

const versions = async (db: SqlDatabase, table: string) =>
  (await db.query<{ version: number }>(sql`SELECT version FROM ${raw(table)} ORDER BY version`)).map((r) =>
    Number(r.version),
  );

function migrationContract(
  name: string,
  fresh: () => Promise<{ db: SqlDatabase; other: () => SqlDatabase }>,
) {
  describe(name, () => {
    const opened: SqlDatabase[] = [];
    const open = async () => {
      const made = await fresh();
      opened.push(made.db);
      return {
        db: made.db,
        other: () => {
          const db = made.other();
          opened.push(db);
          return db;
        },
      };
    };
    afterAll(async () => {
      for (const db of opened) await db.close().catch(() => undefined);
    });

    it('creates every plugin table with the klaviyo_ prefix, recorded in klaviyo_migrations', async () => {
      const { db } = await open();
      expect(await migrateAppDatabase(db)).toBe(PLUGIN_MIGRATIONS.length + STORE_MIGRATIONS.length);
      expect(await versions(db, PLUGIN_MIGRATIONS_TABLE)).toEqual(PLUGIN_MIGRATIONS.map((m) => m.version));
      expect(await versions(db, STORE_MIGRATIONS_TABLE)).toEqual(STORE_MIGRATIONS.map((m) => m.version));
      const tables = await tableNames(db);
      expect(tables.filter((t) => !t.startsWith('store_'))).toEqual([
        'klaviyo_admin_cache',
        'klaviyo_admin_call_budget',
        'klaviyo_backfill_checkpoints',
        'klaviyo_catalog_failures',
        'klaviyo_catalog_flush_lease',
        'klaviyo_catalog_jobs',
        'klaviyo_catalog_stock_marks',
        'klaviyo_catalog_synced',
        'klaviyo_erasures',
        'klaviyo_migrations',
        'klaviyo_outbox',
        'klaviyo_outbox_delivered_hours',
        'klaviyo_outbox_fences',
        'klaviyo_outbox_keys',
        'klaviyo_outbox_pause',
        'klaviyo_rate_limits',
        'klaviyo_rate_log',
        'klaviyo_rate_state',
        'klaviyo_webhook_inbox',
      ]);
      expect(tables).not.toContain('schema_migrations');
      expect(await migrateAppDatabase(db)).toBe(0);
    });

    it('adopts a database migrated by the old bookkeeping: nothing re-runs, no row is lost', async () => {
      const { db, other } = await open();
      await migrateTheOldWay(db, BEFORE);
      // Rows of every renamed table and an undelivered outbox message, written before the upgrade.
      const store = new OutboxStore(db);
      await db.transaction((tx) =>
        store.enqueue(tx, [profileMessage('before-upgrade', { profile: { email: 'a@example.com' } })]),
      );
      await db.query(sql`INSERT INTO app_rate_limits (key, tat, hits) VALUES ('k', ${1_700_000_000_001}, 3)`);
      await db.query(sql`INSERT INTO admin_cache (key, value, fetched_at) VALUES ('list-count:L1', '7', 5)`);
      await db.query(
        sql`INSERT INTO admin_call_budget (bucket, tokens, updated_at, day, day_calls) VALUES ('b', 1.5, 5, '2026-12-05', 2)`,
      );
      // Two processes start on it at once (Postgres): one adopts and migrates, the other finds it done.
      // Two SQLite connections of one process cannot interleave (a writer waiting on the lock blocks
      // the thread the holder needs to commit): there the second starts after the first.
      const [a, b] =
        db.dialect === 'postgres'
          ? await Promise.all([migrateAppDatabase(db), migrateAppDatabase(other())])
          : [await migrateAppDatabase(db), await migrateAppDatabase(other())];
      expect(a + b).toBe(AFTER); // nothing the old bookkeeping recorded ran again
      expect(await versions(db, PLUGIN_MIGRATIONS_TABLE)).toEqual(PLUGIN_MIGRATIONS.map((m) => m.version));
      expect(await versions(db, STORE_MIGRATIONS_TABLE)).toEqual(STORE_MIGRATIONS.map((m) => m.version));
      const adopted = await db.query<{ version: number; applied_at: number }>(
        sql`SELECT version, applied_at FROM klaviyo_migrations WHERE version = 100`,
      );
      expect(adopted).toEqual([{ version: 100, applied_at: 1_700_000_000_000 }]);
      // The old table stays as it was, for a rollback to the previous release.
      expect((await versions(db, 'schema_migrations')).length).toBe(BEFORE.length);
      expect((await store.list()).map((r) => [r.key, r.state])).toEqual([
        ['profile:before-upgrade', 'pending'],
      ]);
      expect(await db.query(sql`SELECT key, tat, hits FROM klaviyo_rate_limits`)).toEqual([
        { key: 'k', tat: 1_700_000_000_001, hits: 3 },
      ]);
      expect(await db.query(sql`SELECT key, value FROM klaviyo_admin_cache`)).toEqual([
        { key: 'list-count:L1', value: '7' },
      ]);
      expect(await db.query(sql`SELECT bucket, day_calls FROM klaviyo_admin_call_budget`)).toEqual([
        { bucket: 'b', day_calls: 2 },
      ]);
      // The renamed tables work as before: the message is claimed and delivered.
      const [claimed] = await store.claim('w', 10, 60_000);
      await store.markDelivered('w', [claimed?.id as number]);
      expect((await store.counts()).delivered).toBe(1);
      expect(await migrateAppDatabase(db)).toBe(0);
    });

    it("leaves another tool's schema_migrations alone", async () => {
      const { db } = await open();
      // golang-migrate's shape: no name column.
      await db.query(
        sql`CREATE TABLE schema_migrations (version BIGINT PRIMARY KEY, dirty BOOLEAN NOT NULL)`,
      );
      await db.query(sql`INSERT INTO schema_migrations (version, dirty) VALUES (100, ${false})`);
      expect(await migrate(db, PLUGIN_MIGRATIONS, { table: PLUGIN_MIGRATIONS_TABLE })).toBe(
        PLUGIN_MIGRATIONS.length,
      );
      expect(await db.query(sql`SELECT version FROM schema_migrations`)).toEqual([{ version: 100 }]);
    });

    it('prints the plugin schema as SQL that a migration tool can apply, and migrate() then finds done', async () => {
      const { db } = await open();
      await runScript(db, migrationSql(db.dialect));
      expect(await migrate(db, PLUGIN_MIGRATIONS, { table: PLUGIN_MIGRATIONS_TABLE })).toBe(0);
      const store = new OutboxStore(db);
      expect(
        await db.transaction((tx) =>
          store.enqueue(tx, [profileMessage('after-script', { profile: { email: 'b@example.com' } })]),
        ),
      ).toBe(1);
      expect(
        await migrate(db, [{ version: 900, name: 'probe', sql: 'CREATE TABLE klaviyo_probe (id INTEGER)' }], {
          table: PLUGIN_MIGRATIONS_TABLE,
        }),
      ).toBe(1);
    });
  });
}

async function tableNames(db: SqlDatabase): Promise<string[]> {
  const rows =
    db.dialect === 'postgres'
      ? await db.query<{ name: string }>(
          sql`SELECT table_name AS name FROM information_schema.tables WHERE table_schema = current_schema()`,
        )
      : await db.query<{ name: string }>(
          sql`SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'`,
        );
  return rows.map((r) => r.name).sort();
}

/**
 * Applies a script the way a migration tool would: its statements in order, in one transaction, except
 * the parts it marks to run outside one (a concurrent index build), run statement by statement between.
 */
async function runScript(db: SqlDatabase, script: string) {
  const statementsOf = (part: string) =>
    part
      .split(/;\s*$/m)
      .map((s) => s.replace(/^--.*$/gm, '').trim())
      .filter(Boolean);
  const pieces = script.split(OUTSIDE_TRANSACTION_BEGIN);
  for (const [i, piece] of pieces.entries()) {
    const [outside, rest] = i === 0 ? ['', piece] : piece.split(OUTSIDE_TRANSACTION_END);
    for (const statement of statementsOf(outside ?? '')) await db.query(raw(statement));
    await db.transaction(async (tx) => {
      for (const statement of statementsOf(rest ?? '')) await tx.query(raw(statement));
    });
  }
}

migrationContract('migrations on SQLite', async () => {
  const path = join(mkdtempSync(join(tmpdir(), 'sql-migrations-')), 'app.db');
  return { db: openSqlite(path), other: () => openSqlite(path) };
});

describeWithPostgres('migrations on Postgres', () => {
  const schemas: string[] = [];
  afterAll(async () => {
    const admin = new pg.Client({ connectionString: TEST_DATABASE_URL });
    await admin.connect();
    for (const schema of schemas) await admin.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
    await admin.end();
  });
  migrationContract('Postgres', async () => {
    const schema = `t_mig_${process.pid}_${Math.random().toString(36).slice(2, 10)}`;
    schemas.push(schema);
    const admin = new pg.Client({ connectionString: TEST_DATABASE_URL });
    await admin.connect();
    await admin.query(`CREATE SCHEMA ${schema}`);
    await admin.end();
    return {
      db: openPostgres(TEST_DATABASE_URL, { schema, max: 3 }),
      other: () => openPostgres(TEST_DATABASE_URL, { schema, max: 3 }),
    };
  });
});

// The SQLite script applies with better-sqlite3's own exec too (a tool that runs the file as is).
describe('migrationSql on a bare better-sqlite3 connection', () => {
  it('runs as one script', () => {
    const db = new BetterSqlite3(':memory:');
    db.exec(migrationSql('sqlite'));
    expect(db.prepare('SELECT COUNT(*) AS n FROM klaviyo_migrations').get()).toEqual({
      n: PLUGIN_MIGRATIONS.length,
    });
    db.close();
  });
});
