import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { raw } from 'sql-template-tag';
import { migrateAppDatabase } from '../../lib/app/migrations.js';
import { openPostgres } from '../../lib/klaviyo-next/sql/postgres.js';
import { openSqlite } from '../../lib/klaviyo-next/sql/sqlite.js';
import type { SqlDatabase } from '../../lib/klaviyo-next/sql/types.js';
import { TEST_DATABASE_URL } from './requirements.js';

/** A fresh, migrated SQLite file of its own. */
export async function freshSqlite(): Promise<SqlDatabase> {
  const db = openSqlite(join(mkdtempSync(join(tmpdir(), 'outbox-')), 'app.db'));
  await migrateAppDatabase(db);
  return db;
}

/**
 * The path of a fresh SQLite file `npm run migrate` has brought up to date, for tests that give the
 * demo app its database through OUTBOX_SQLITE_PATH: the app never migrates by itself (the deploy step does).
 */
export async function migratedSqliteFile(prefix: string): Promise<string> {
  const path = join(mkdtempSync(join(tmpdir(), prefix)), 'app.db');
  const db = openSqlite(path);
  await migrateAppDatabase(db);
  await db.close();
  return path;
}

/** A fresh, migrated Postgres schema of its own in the test database. */
export async function freshPostgres(): Promise<SqlDatabase & { schema: string }> {
  const schema = `t_${process.pid}_${Math.random().toString(36).slice(2, 10)}`;
  const db = openPostgres(TEST_DATABASE_URL, { schema, max: 5 });
  await db.query(raw(`CREATE SCHEMA ${schema}`));
  await migrateAppDatabase(db);
  return Object.assign(db, { schema });
}

/** Drops a test schema and closes the pool. */
export async function dropPostgres(db: SqlDatabase & { schema: string }): Promise<void> {
  await db.query(raw(`DROP SCHEMA IF EXISTS "${db.schema}" CASCADE`));
  await db.close();
}
