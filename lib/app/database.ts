import 'server-only';
import { env } from '../env';
import { migrate } from '../klaviyo-next/sql/migrate';
import { openPostgres } from '../klaviyo-next/sql/postgres';
import { openSqlite } from '../klaviyo-next/sql/sqlite';
import type { Database } from '../klaviyo-next/sql/types';
import { ALL_MIGRATIONS } from './migrations';

let opening: Promise<Database> | undefined;

/**
 * The app's database, opened and migrated once per process: Postgres when DATABASE_URL is set,
 * otherwise the embedded SQLite file.
 */
export function getDatabase(): Promise<Database> {
  opening ??= (async () => {
    const { outbox } = env();
    const db = outbox.databaseUrl ? openPostgres(outbox.databaseUrl) : openSqlite(outbox.sqlitePath);
    try {
      await migrate(db, ALL_MIGRATIONS);
    } catch (error) {
      // The next call opens a new pool (or file handle); this one must not linger.
      await db.close().catch(() => undefined);
      throw error;
    }
    return db;
  })().catch((error: unknown) => {
    // A database that is down at the first request must not stay "down" until a restart.
    opening = undefined;
    throw error;
  });
  return opening;
}

export { TransactionMisuseError } from '../klaviyo-next/sql/scope';
export type { Database, Queryable } from '../klaviyo-next/sql/types';
