import { BACKFILL_MIGRATIONS } from './backfill/schema';
import { CATALOG_MIGRATIONS } from './catalog/schema';
import { ADMIN_MIGRATIONS } from './dashboard/cache/schema';
import { ERASURE_MIGRATIONS } from './erasure/schema';
import { OUTBOX_MIGRATIONS } from './outbox/schema';
import { bookkeepingTableSql, type Migration, statementsOf } from './sql/migrate';
import type { Dialect } from './sql/types';
import { WEBHOOK_MIGRATIONS } from './webhooks/schema';

/** The plugin's bookkeeping table: which of PLUGIN_MIGRATIONS a database has. */
export const PLUGIN_MIGRATIONS_TABLE = 'klaviyo_migrations';

/**
 * Every table the plugin needs, all prefixed `klaviyo_`: the outbox, its rate budget and pause, the
 * shared rate limits (100s), the webhook inbox (120s), erasure's audit (130s), the backfill's checkpoints (150s), and the dashboard's cache of Klaviyo reads (300s). Apply them with
 * `migrate(db, PLUGIN_MIGRATIONS, { table: PLUGIN_MIGRATIONS_TABLE })` (what `klaviyo.migrate()` does).
 */
export const PLUGIN_MIGRATIONS: readonly Migration[] = [
  ...OUTBOX_MIGRATIONS,
  ...ADMIN_MIGRATIONS,
  ...WEBHOOK_MIGRATIONS,
  ...ERASURE_MIGRATIONS,
  ...CATALOG_MIGRATIONS,
  ...BACKFILL_MIGRATIONS,
].sort((a, b) => a.version - b.version);

/** Epoch milliseconds now, in SQL (the bookkeeping's `applied_at`). */
const NOW_MS: Record<Dialect, string> = {
  postgres: 'CAST(EXTRACT(EPOCH FROM now()) * 1000 AS BIGINT)',
  sqlite: "CAST((julianday('now') - 2440587.5) * 86400000 AS INTEGER)",
};

/** Around a migration migrationSql() prints that must run outside a transaction (see below). */
export const OUTSIDE_TRANSACTION_BEGIN = '-- klaviyo-next: outside a transaction';
export const OUTSIDE_TRANSACTION_END = '-- klaviyo-next: end';

/**
 * The plugin's schema as one SQL script for `dialect`, for teams that apply migrations with their own
 * tool: each migration in order, then its row in `klaviyo_migrations`, so `klaviyo.migrate()` run
 * later finds them applied and runs only what is newer. Run it once, in order, in one transaction,
 * except the parts between `-- klaviyo-next: outside a transaction` and `-- klaviyo-next: end`
 * (Postgres's CREATE INDEX CONCURRENTLY, which refuses to run in one): run those statement by statement.
 */
export function migrationSql(dialect: Dialect): string {
  const parts = [
    `-- klaviyo-next: the plugin's tables (${dialect}). Generated from PLUGIN_MIGRATIONS; do not edit.`,
    `${bookkeepingTableSql(PLUGIN_MIGRATIONS_TABLE)};`,
  ];
  for (const migration of PLUGIN_MIGRATIONS) {
    const outside = migration.transaction === false && dialect === 'postgres';
    parts.push('', `-- ${migration.version} ${migration.name}`);
    if (outside) parts.push(OUTSIDE_TRANSACTION_BEGIN);
    for (const statement of statementsOf(migration, dialect)) parts.push(`${statement};`);
    parts.push(
      `INSERT INTO ${PLUGIN_MIGRATIONS_TABLE} (version, name, applied_at) VALUES (${migration.version}, '${migration.name}', ${NOW_MS[dialect]});`,
    );
    if (outside) parts.push(OUTSIDE_TRANSACTION_END);
  }
  return `${parts.join('\n')}\n`;
}
