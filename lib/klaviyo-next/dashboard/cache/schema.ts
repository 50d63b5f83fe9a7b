import type { Migration } from '../../sql/migrate';

/**
 * The dashboard's cache of rate-limited Klaviyo reads (300s). `klaviyo_admin_cache` (made as
 * `admin_cache`) holds one value per key (report and timeframe, list id...) with when it was fetched,
 * a lease so only one process refreshes a key at a time, and the last error beside the last good
 * value. `klaviyo_admin_call_budget` (made as `admin_call_budget`) is a token bucket per Klaviyo
 * operation, shared by every process on the database.
 */
export const ADMIN_MIGRATIONS: Migration[] = [
  {
    version: 300,
    name: 'admin_cache',
    sql: `
      CREATE TABLE admin_cache (
        key TEXT PRIMARY KEY,
        value TEXT,
        fetched_at BIGINT,
        lease_owner TEXT,
        lease_until BIGINT,
        error TEXT,
        error_at BIGINT
      );
      CREATE TABLE admin_call_budget (
        bucket TEXT PRIMARY KEY,
        tokens DOUBLE PRECISION NOT NULL,
        updated_at BIGINT NOT NULL,
        day TEXT NOT NULL,
        day_calls INTEGER NOT NULL
      );`,
  },
  {
    version: 301,
    name: 'admin_cache_stale',
    // A value known to have changed (a list member added) is re-read on the next view within the
    // budget, while its last count and when it was taken stay on show.
    sql: 'ALTER TABLE admin_cache ADD COLUMN stale_since BIGINT',
  },
  {
    version: 302,
    name: 'klaviyo_admin_tables',
    // Every table of the plugin carries its prefix, so none collides with a host store's own tables.
    sql: {
      postgres: `
        ALTER TABLE admin_cache RENAME TO klaviyo_admin_cache;
        ALTER INDEX admin_cache_pkey RENAME TO klaviyo_admin_cache_pkey;
        ALTER TABLE admin_call_budget RENAME TO klaviyo_admin_call_budget;
        ALTER INDEX admin_call_budget_pkey RENAME TO klaviyo_admin_call_budget_pkey;`,
      sqlite: `
        ALTER TABLE admin_cache RENAME TO klaviyo_admin_cache;
        ALTER TABLE admin_call_budget RENAME TO klaviyo_admin_call_budget;`,
    },
  },
];
