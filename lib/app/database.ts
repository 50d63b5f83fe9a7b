import 'server-only';
import type { DatabaseSettings } from '../env';
import { openPostgres } from '../klaviyo-next/sql/postgres';
import { openSqlite } from '../klaviyo-next/sql/sqlite';
import type { SqlDatabase } from '../klaviyo-next/sql/types';
import { migrateAppDatabase } from './migrations';

/**
 * Opens and migrates the app's database: Postgres when DATABASE_URL is set, otherwise the embedded
 * SQLite file. lib/app wraps it so it opens on the first statement (lazy-database.ts).
 */
export async function openAppDatabase(database: DatabaseSettings): Promise<SqlDatabase> {
  const db = database.databaseUrl ? openPostgres(database.databaseUrl) : openSqlite(database.sqlitePath);
  try {
    await migrateAppDatabase(db);
  } catch (error) {
    // The next call opens a new pool (or file handle); this one must not linger.
    await db.close().catch(() => undefined);
    throw error;
  }
  return db;
}

export { TransactionMisuseError } from '../klaviyo-next/sql/scope';
export type { SqlDatabase, SqlExecutor } from '../klaviyo-next/sql/types';
