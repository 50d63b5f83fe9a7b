import 'server-only';
import sql, { raw } from 'sql-template-tag';
import type { Dialect, SqlDatabase, SqlExecutor } from './types';

/** One schema change; `sql` may differ per dialect. Never edit a released migration: add one. */
export interface Migration {
  version: number;
  name: string;
  sql: string | { sqlite: string; postgres: string };
}

export interface MigrateOptions {
  /**
   * The bookkeeping table: which of `migrations` have run. Each owner of migrations has its own (the
   * plugin `klaviyo_migrations`, the demo store `store_migrations`), so none collides with a host's
   * own tool (Rails, golang-migrate and dbmate all use `schema_migrations`).
   */
  table: string;
}

/**
 * Before this bookkeeping, every migration of the app was recorded in one `schema_migrations`
 * (version, name, applied_at). A database made then is adopted: the first migrate() with an empty
 * bookkeeping table copies over the rows of ITS migrations (same version and name), so nothing runs
 * twice. Another tool's `schema_migrations` (without a `name` column, or with other names) is left be.
 */
const LEGACY_TABLE = 'schema_migrations';

/** Postgres takes this advisory lock for each migration: one process migrates at a time. */
const LOCK_KEY = 727274;

/** The migration's SQL statements for `dialect`, split where a line ends with `;`. */
export function statementsOf(migration: Migration, dialect: Dialect): string[] {
  const text = typeof migration.sql === 'string' ? migration.sql : migration.sql[dialect];
  return text
    .split(/;\s*$/m)
    .map((s) => s.trim())
    .filter(Boolean);
}

/** `CREATE TABLE` of a bookkeeping table, as migrate() and migrationSql() write it. */
export function bookkeepingTableSql(table: string): string {
  return `CREATE TABLE IF NOT EXISTS ${table} (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at BIGINT NOT NULL)`;
}

async function lockAndPrepare(db: SqlDatabase, tx: SqlExecutor, table: string): Promise<void> {
  if (db.dialect === 'postgres') {
    // A migration may rebuild a large table, or wait here while another process migrates: the
    // statement timeout meant for requests does not apply to it.
    await tx.query(sql`SET LOCAL statement_timeout = 0`);
    await tx.query(sql`SELECT pg_advisory_xact_lock(${LOCK_KEY})`);
  }
  // Created under the lock: processes starting together on a fresh database would race otherwise.
  // (SQLite: the IMMEDIATE transaction already holds the write lock.)
  await tx.query(raw(bookkeepingTableSql(table)));
}

/** Whether a `schema_migrations` of the old bookkeeping's shape exists (another tool's has no `name`). */
async function legacyHasNames(db: SqlDatabase, tx: SqlExecutor): Promise<boolean> {
  const columns =
    db.dialect === 'postgres'
      ? await tx.query<{ name: string }>(
          sql`SELECT column_name AS name FROM information_schema.columns
              WHERE table_schema = current_schema() AND table_name = ${LEGACY_TABLE}`,
        )
      : await tx.query<{ name: string }>(sql`SELECT name FROM pragma_table_info(${LEGACY_TABLE})`);
  const names = new Set(columns.map((c) => c.name));
  return names.has('version') && names.has('name');
}

/** Copies this owner's rows of the old `schema_migrations` once, when its own table is still empty. */
async function adoptLegacy(
  db: SqlDatabase,
  tx: SqlExecutor,
  table: string,
  migrations: readonly Migration[],
): Promise<number> {
  const [any] = await tx.query(sql`SELECT 1 AS one FROM ${raw(table)} LIMIT 1`);
  if (any || migrations.length === 0 || !(await legacyHasNames(db, tx))) return 0;
  const legacy = await tx.query<{ version: unknown; name: string; applied_at: unknown }>(
    sql`SELECT version, name, applied_at FROM ${raw(LEGACY_TABLE)}`,
  );
  const ours = new Map(migrations.map((m) => [m.version, m.name]));
  let adopted = 0;
  for (const row of legacy) {
    const version = Number(row.version);
    if (ours.get(version) !== row.name) continue;
    await tx.query(
      sql`INSERT INTO ${raw(table)} (version, name, applied_at) VALUES (${version}, ${row.name}, ${Number(row.applied_at)})`,
    );
    adopted++;
  }
  return adopted;
}

/**
 * Applies the migrations the database has not seen, in order, each in its own transaction, so the
 * schema is created on first start and upgraded on later ones. Safe when several processes start at
 * once (Postgres takes an advisory lock; SQLite's IMMEDIATE transaction serialises writers). Returns
 * how many it applied.
 */
export async function migrate(
  db: SqlDatabase,
  migrations: readonly Migration[],
  options: MigrateOptions,
): Promise<number> {
  const { table } = options;
  if (!/^[A-Za-z_]\w*$/.test(table)) throw new TypeError(`'${table}' is not a valid table name.`);
  // Adoption runs under the same lock as the migrations: two processes starting together on an old
  // database copy the rows once, and neither applies a migration the old bookkeeping had recorded.
  await db.transaction(async (tx) => {
    await lockAndPrepare(db, tx, table);
    await adoptLegacy(db, tx, table, migrations);
  });
  let applied = 0;
  for (const migration of [...migrations].sort((a, b) => a.version - b.version)) {
    const done = await db.transaction(async (tx) => {
      await lockAndPrepare(db, tx, table);
      const seen = await tx.query(sql`SELECT 1 FROM ${raw(table)} WHERE version = ${migration.version}`);
      if (seen.length > 0) return false;
      // A migration is the plugin's own SQL text, with no values in it.
      for (const statement of statementsOf(migration, db.dialect)) await tx.query(raw(statement));
      await tx.query(
        sql`INSERT INTO ${raw(table)} (version, name, applied_at) VALUES (${migration.version}, ${migration.name}, ${Date.now()})`,
      );
      return true;
    });
    if (done) applied++;
  }
  return applied;
}
