import { migrate, PLUGIN_MIGRATIONS, PLUGIN_MIGRATIONS_TABLE, type SqlDatabase } from '../klaviyo-next/sql';
import { STORE_MIGRATIONS } from '../store/schema';

/** The demo store's bookkeeping table; the plugin keeps its own (`klaviyo_migrations`). */
export const STORE_MIGRATIONS_TABLE = 'store_migrations';

/**
 * Everything the demo's database needs: the plugin's tables (100s, 300s; as `klaviyo.migrate()`
 * applies them), then the demo store's (200s). Each owner records its own in its own table; a
 * database from before that split (one `schema_migrations`) is adopted by both without re-running.
 * Returns how many migrations ran.
 */
export async function migrateAppDatabase(db: SqlDatabase): Promise<number> {
  const plugin = await migrate(db, PLUGIN_MIGRATIONS, { table: PLUGIN_MIGRATIONS_TABLE });
  const store = await migrate(db, STORE_MIGRATIONS, { table: STORE_MIGRATIONS_TABLE });
  return plugin + store;
}
