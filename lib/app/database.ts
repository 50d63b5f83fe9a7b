import 'server-only';
import type { DatabaseSettings } from '../env';
import { openPostgres } from '../klaviyo-next/sql/postgres';
import { openSqlite } from '../klaviyo-next/sql/sqlite';
import type { SqlDatabase } from '../klaviyo-next/sql/types';
import { checkAppDatabase } from './migrations';

/**
 * Opens the app's database (Postgres when DATABASE_URL is set, otherwise the embedded SQLite file)
 * and checks that `npm run migrate` has brought it up to date; it never migrates. lib/app wraps it so
 * it opens on the first statement (lazy-database.ts); a database found behind fails that statement
 * with MigrationsPendingError, and the next statement checks again, so the app serves as soon as the
 * deploy step has run, without a restart.
 */
export async function openAppDatabase(database: DatabaseSettings): Promise<SqlDatabase> {
  const db = database.databaseUrl ? openPostgres(database.databaseUrl) : openSqlite(database.sqlitePath);
  try {
    await checkAppDatabase(db);
  } catch (error) {
    // The next call opens a new pool (or file handle); this one must not linger.
    await db.close().catch(() => undefined);
    throw error;
  }
  return db;
}

export { TransactionMisuseError } from '../klaviyo-next/sql/scope';
export type { SqlDatabase, SqlExecutor } from '../klaviyo-next/sql/types';
