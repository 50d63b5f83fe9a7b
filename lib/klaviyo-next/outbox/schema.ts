import type { Migration } from '../sql/migrate';

/** The outbox table. Times are epoch milliseconds in BIGINT columns on both backends. */
export const OUTBOX_MIGRATIONS: Migration[] = [
  {
    version: 100,
    name: 'klaviyo_outbox',
    sql: {
      sqlite: `
        CREATE TABLE klaviyo_outbox (
          id INTEGER PRIMARY KEY AUTOINCREMENT,
          kind TEXT NOT NULL,
          dedup_key TEXT NOT NULL UNIQUE,
          payload TEXT NOT NULL,
          state TEXT NOT NULL DEFAULT 'pending',
          attempts INTEGER NOT NULL DEFAULT 0,
          available_at BIGINT NOT NULL,
          lease_owner TEXT,
          lease_until BIGINT,
          last_error TEXT,
          created_at BIGINT NOT NULL,
          updated_at BIGINT NOT NULL,
          delivered_at BIGINT
        );
        CREATE INDEX klaviyo_outbox_ready ON klaviyo_outbox (state, available_at);`,
      postgres: `
        CREATE TABLE klaviyo_outbox (
          id BIGSERIAL PRIMARY KEY,
          kind TEXT NOT NULL,
          dedup_key TEXT NOT NULL UNIQUE,
          payload TEXT NOT NULL,
          state TEXT NOT NULL DEFAULT 'pending',
          attempts INTEGER NOT NULL DEFAULT 0,
          available_at BIGINT NOT NULL,
          lease_owner TEXT,
          lease_until BIGINT,
          last_error TEXT,
          created_at BIGINT NOT NULL,
          updated_at BIGINT NOT NULL,
          delivered_at BIGINT
        );
        CREATE INDEX klaviyo_outbox_ready ON klaviyo_outbox (state, available_at);`,
    },
  },
  {
    version: 101,
    name: 'klaviyo_outbox_pause',
    // An account-wide pause after a 429, seen by every worker and app instance.
    sql: 'CREATE TABLE klaviyo_outbox_pause (account TEXT PRIMARY KEY, until_ms BIGINT NOT NULL)',
  },
  {
    version: 102,
    name: 'klaviyo_rate_budget',
    // The rate governor's shared budget (lib/klaviyo-next/outbox/rate-budget-postgres.ts); unused on SQLite,
    // where one process owns the budget in memory.
    sql: `
      CREATE TABLE klaviyo_rate_log (key TEXT NOT NULL, sent_at BIGINT NOT NULL);
      CREATE INDEX klaviyo_rate_log_key ON klaviyo_rate_log (key, sent_at);
      CREATE TABLE klaviyo_rate_state (key TEXT PRIMARY KEY, remaining INTEGER, reset_at BIGINT, blocked_until BIGINT NOT NULL DEFAULT 0);`,
  },
  {
    version: 103,
    name: 'klaviyo_outbox_due',
    // Claims read only due rows, oldest first; without this index each claim sorts the whole backlog.
    sql: "CREATE INDEX klaviyo_outbox_due ON klaviyo_outbox (available_at, id) WHERE state IN ('pending', 'retrying')",
  },
  {
    version: 104,
    name: 'klaviyo_outbox_order_key',
    // Messages with one order key are delivered oldest first (orderKeyOf in lib/klaviyo-next/outbox/types.ts); the
    // index answers "is an older one still waiting?" for each candidate of a claim.
    sql: `
      ALTER TABLE klaviyo_outbox ADD COLUMN order_key TEXT;
      CREATE INDEX klaviyo_outbox_order ON klaviyo_outbox (order_key, id) WHERE state IN ('pending', 'retrying');`,
  },
  {
    version: 110,
    name: 'app_rate_limits',
    // Rate limits and sign-in throttles shared by every app instance (lib/klaviyo-next/http/rate-limit.ts): one row
    // per hashed key; `tat` is the time the key is next free (or, for a throttle, blocked until), and
    // `hits` counts consecutive failed sign-ins.
    sql: `
      CREATE TABLE app_rate_limits (key TEXT PRIMARY KEY, tat BIGINT NOT NULL, hits INTEGER NOT NULL DEFAULT 0);
      CREATE INDEX app_rate_limits_tat ON app_rate_limits (tat);`,
  },
  {
    version: 111,
    name: 'klaviyo_rate_limits',
    // Every table of the plugin carries its prefix, so none collides with a host store's own tables.
    // SQLite keeps an index's name through a table rename and cannot rename an index: rebuilt instead.
    sql: {
      postgres: `
        ALTER TABLE app_rate_limits RENAME TO klaviyo_rate_limits;
        ALTER INDEX app_rate_limits_pkey RENAME TO klaviyo_rate_limits_pkey;
        ALTER INDEX app_rate_limits_tat RENAME TO klaviyo_rate_limits_tat;`,
      sqlite: `
        ALTER TABLE app_rate_limits RENAME TO klaviyo_rate_limits;
        DROP INDEX app_rate_limits_tat;
        CREATE INDEX klaviyo_rate_limits_tat ON klaviyo_rate_limits (tat);`,
    },
  },
  {
    version: 113,
    name: 'klaviyo_outbox_retention',
    // Retention (OutboxStore.prune): delivered messages are deleted after OUTBOX_RETENTION_DAYS.
    // - klaviyo_outbox_keys: the SHA-256 of every accepted dedup key (a key may embed an email), so
    //   enqueueing a pruned fact again stays a no-op without keeping the key itself.
    // - klaviyo_outbox_delivered_hours: deliveries counted per hour, kept by markDelivered and prune,
    //   so the dashboard's totals and its 24-hour chart read a few rows instead of the whole table
    //   (seeded here from what is already delivered).
    // - Partial indexes for what the dashboard and prune still ask the table: the oldest waiting
    //   message, the latest and the oldest deliveries, and a page of one state newest first (this
    //   replaces (state, available_at), which no query used since claims read klaviyo_outbox_due).
    // Built with plain CREATE INDEX in the migration's transaction (it also creates tables and seeds
    // counters, which must commit together); it blocks outbox writes while it builds, so on a large
    // outbox run it at a quiet time. Later index-only migrations use `transaction: false` (see 115).
    sql: {
      postgres: `
        CREATE TABLE klaviyo_outbox_keys (key_hash TEXT PRIMARY KEY, created_at BIGINT NOT NULL);
        CREATE INDEX klaviyo_outbox_keys_created ON klaviyo_outbox_keys (created_at);
        CREATE TABLE klaviyo_outbox_delivered_hours (hour BIGINT PRIMARY KEY, n BIGINT NOT NULL);
        INSERT INTO klaviyo_outbox_delivered_hours (hour, n)
          SELECT delivered_at / 3600000, COUNT(*) FROM klaviyo_outbox WHERE state = 'delivered' GROUP BY delivered_at / 3600000;
        CREATE INDEX klaviyo_outbox_delivered ON klaviyo_outbox (delivered_at) WHERE state = 'delivered';
        CREATE INDEX klaviyo_outbox_waiting ON klaviyo_outbox (created_at) WHERE state IN ('pending', 'retrying');
        DROP INDEX klaviyo_outbox_ready;
        CREATE INDEX klaviyo_outbox_state ON klaviyo_outbox (state, id);`,
      sqlite: `
        CREATE TABLE klaviyo_outbox_keys (key_hash TEXT PRIMARY KEY, created_at BIGINT NOT NULL) WITHOUT ROWID;
        CREATE INDEX klaviyo_outbox_keys_created ON klaviyo_outbox_keys (created_at);
        CREATE TABLE klaviyo_outbox_delivered_hours (hour BIGINT PRIMARY KEY, n BIGINT NOT NULL);
        INSERT INTO klaviyo_outbox_delivered_hours (hour, n)
          SELECT delivered_at / 3600000, COUNT(*) FROM klaviyo_outbox WHERE state = 'delivered' GROUP BY delivered_at / 3600000;
        CREATE INDEX klaviyo_outbox_delivered ON klaviyo_outbox (delivered_at) WHERE state = 'delivered';
        CREATE INDEX klaviyo_outbox_waiting ON klaviyo_outbox (created_at) WHERE state IN ('pending', 'retrying');
        DROP INDEX klaviyo_outbox_ready;
        CREATE INDEX klaviyo_outbox_state ON klaviyo_outbox (state, id);`,
    },
  },
  {
    version: 114,
    name: 'klaviyo_outbox_lanes_and_fences',
    // - lane: 0 for what a shopper or merchant did that must not wait (orders, lifecycle, consent,
    //   profile writes, back in stock), 1 for browse events the browser reports (laneOf in
    //   lib/klaviyo-next/outbox/types.ts); claims take lane 0 first, so a flood of Viewed Product never
    //   delays a Placed Order. A constant default is a catalog-only change on Postgres 11+, so the
    //   column is added without rewriting the table; rows already queued stay in lane 0.
    // - klaviyo_outbox_fences: a person's order key is held after a write Klaviyo applies
    //   asynchronously (a bulk job) until that write has settled, so the person's next profile or
    //   consent write cannot overtake it (see "Newest wins" in lib/klaviyo-next/README.md).
    sql: `
      ALTER TABLE klaviyo_outbox ADD COLUMN lane SMALLINT NOT NULL DEFAULT 0;
      CREATE TABLE klaviyo_outbox_fences (order_key TEXT PRIMARY KEY, until_ms BIGINT NOT NULL, job TEXT);
      CREATE INDEX klaviyo_outbox_fences_until ON klaviyo_outbox_fences (until_ms);`,
  },
  {
    version: 115,
    name: 'klaviyo_outbox_due_by_lane',
    // Claims read due rows lane by lane, oldest first (OutboxStore.claim). The outbox may hold
    // millions of rows when this runs, and checkouts write to it throughout: on Postgres the index is
    // built CONCURRENTLY (writes go on; the build waits for them instead), outside a transaction, and
    // the old index dropped the same way. Each statement can run again: a build cut off halfway
    // leaves an INVALID index, which the migrator drops and builds again (sql/migrate.ts).
    transaction: false,
    sql: {
      postgres: `
        CREATE INDEX CONCURRENTLY IF NOT EXISTS klaviyo_outbox_due_lane ON klaviyo_outbox (lane, available_at, id) WHERE state IN ('pending', 'retrying');
        DROP INDEX CONCURRENTLY IF EXISTS klaviyo_outbox_due;`,
      sqlite: `
        CREATE INDEX IF NOT EXISTS klaviyo_outbox_due_lane ON klaviyo_outbox (lane, available_at, id) WHERE state IN ('pending', 'retrying');
        DROP INDEX IF EXISTS klaviyo_outbox_due;`,
    },
  },
];
