import {
  MigrationsPendingError,
  migrate,
  PLUGIN_MIGRATIONS,
  PLUGIN_MIGRATIONS_TABLE,
  pendingMigrations,
  type SqlDatabase,
} from '../klaviyo-next/sql';
import { STORE_MIGRATIONS } from '../store/schema';

/** The demo store's bookkeeping table; the plugin keeps its own (`klaviyo_migrations`). */
export const STORE_MIGRATIONS_TABLE = 'store_migrations';

/**
 * Everything the demo's database needs: the plugin's tables (100s, 300s; as `klaviyo.migrate()`
 * applies them), then the demo store's (200s). Each owner records its own in its own table; a
 * database from before that split (one `schema_migrations`) is adopted by both without re-running.
 * Returns how many migrations ran. The deploy step (`npm run migrate`, scripts/migrate.ts) runs it;
 * the app never does (checkAppDatabase).
 */
export async function migrateAppDatabase(db: SqlDatabase): Promise<number> {
  const plugin = await migrate(db, PLUGIN_MIGRATIONS, { table: PLUGIN_MIGRATIONS_TABLE });
  const store = await migrate(db, STORE_MIGRATIONS, { table: STORE_MIGRATIONS_TABLE });
  return plugin + store;
}

/**
 * Refuses a database the deploy step has not migrated: throws MigrationsPendingError naming the
 * migrations it lacks and `npm run migrate`. The app and the worker call it when they first open
 * the database, instead of migrating there: a migration inside a request would hold that request
 * (and, with a lock, every other) for as long as an index build on a large table takes.
 */
export async function checkAppDatabase(db: SqlDatabase): Promise<void> {
  const pending = [
    ...(await pendingMigrations(db, PLUGIN_MIGRATIONS, { table: PLUGIN_MIGRATIONS_TABLE })),
    ...(await pendingMigrations(db, STORE_MIGRATIONS, { table: STORE_MIGRATIONS_TABLE })),
  ];
  if (pending.length > 0)
    throw new MigrationsPendingError(
      pending,
      'Run `npm run migrate` against this database (the deploy step, before the app starts; `npm run dev` runs it for you), then retry.',
    );
}
