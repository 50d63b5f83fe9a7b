import 'server-only';
import sql, { raw } from 'sql-template-tag';
import type { Dialect, SqlDatabase, SqlExecutor } from './types';

/** One schema change; `sql` may differ per dialect. Never edit a released migration: add one. */
export interface Migration {
  version: number;
  name: string;
  sql: string | { sqlite: string; postgres: string };
  /**
   * `false`: on Postgres the statements run outside a transaction, one at a time, so an index on a
   * large table can be built with `CREATE INDEX CONCURRENTLY IF NOT EXISTS` (which Postgres refuses
   * inside a transaction) while the app keeps writing. Every statement must be safe to run again
   * (`IF NOT EXISTS`, `IF EXISTS`): a migration cut off halfway is finished by the next migrate(),
   * which first drops an index the cut-off build left INVALID and builds it again. SQLite has no
   * concurrent build and runs the migration in a transaction as usual; so does a Postgres database
   * that migrate() starts from nothing (no rows, nobody writing), with CONCURRENTLY left out.
   */
  transaction?: false;
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

/**
 * How often a migrator waiting for another's lock asks again. It polls (pg_try_advisory_lock) rather
 * than waits in pg_advisory_lock, because a backend waiting inside a statement holds a snapshot, and
 * CREATE INDEX CONCURRENTLY waits for every older snapshot to end: the holder building an index would
 * wait for the waiter, and the waiter for the holder. Between polls the waiter holds none.
 */
const LOCK_POLL_MS = 100;

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function takeLock(
  q: SqlExecutor,
  kind: 'pg_try_advisory_xact_lock' | 'pg_try_advisory_lock',
): Promise<void> {
  for (;;) {
    // No bound parameters, so node-postgres sends a simple query: a parameterised one leaves its
    // finished portal open until the next statement, and the portal keeps its snapshot, which would
    // make a concurrent index build wait on this poll after all.
    const [row] = await q.query<{ locked: boolean }>(raw(`SELECT ${kind}(${LOCK_KEY}) AS locked`));
    if (row?.locked) return;
    await sleep(LOCK_POLL_MS);
  }
}

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
    // Read committed whatever the host's default: at a stricter level the transaction would keep one
    // snapshot from its first statement, and another process's concurrent index build waits for it.
    await tx.query(sql`SET TRANSACTION ISOLATION LEVEL READ COMMITTED`);
    // A migration may rebuild a large table, or wait here while another process migrates: the
    // timeouts meant for requests do not apply to it.
    await tx.query(sql`SET LOCAL statement_timeout = 0`);
    await tx.query(sql`SET LOCAL idle_in_transaction_session_timeout = 0`);
    await takeLock(tx, 'pg_try_advisory_xact_lock');
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
 * Applies the migrations the database has not seen, in order, each in its own transaction (a
 * `transaction: false` one on Postgres outside any, on a connection of its own), so the schema is
 * created by the first deploy and upgraded by later ones. Run it as a deploy step, before the new
 * code serves requests, never inside one: an index build takes as long as the table is large. Safe
 * when several processes run it at once (Postgres takes an advisory lock; SQLite's IMMEDIATE
 * transaction serialises writers). Returns how many it applied.
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
  const fresh = await db.transaction(async (tx) => {
    await lockAndPrepare(db, tx, table);
    await adoptLegacy(db, tx, table, migrations);
    const [any] = await tx.query(sql`SELECT 1 AS one FROM ${raw(table)} LIMIT 1`);
    return any === undefined;
  });
  let applied = 0;
  for (const migration of [...migrations].sort((a, b) => a.version - b.version)) {
    // A database this call starts from nothing has no rows to index and nobody writing (the app
    // refuses a database until every migration is recorded): there a concurrent build would only wait
    // on every other transaction of the database for nothing, so it runs in the migration's own
    // transaction like the rest, as a plain CREATE INDEX.
    const outside = migration.transaction === false && db.dialect === 'postgres' && !fresh;
    if (outside) {
      if (await applyOutsideTransaction(db, migration, table)) applied++;
      continue;
    }
    const done = await db.transaction(async (tx) => {
      await lockAndPrepare(db, tx, table);
      const seen = await tx.query(sql`SELECT 1 FROM ${raw(table)} WHERE version = ${migration.version}`);
      if (seen.length > 0) return false;
      // A migration is the plugin's own SQL text, with no values in it.
      for (const statement of statementsOf(migration, db.dialect))
        await tx.query(raw(migration.transaction === false ? withoutConcurrently(statement) : statement));
      await tx.query(
        sql`INSERT INTO ${raw(table)} (version, name, applied_at) VALUES (${migration.version}, ${migration.name}, ${Date.now()})`,
      );
      return true;
    });
    if (done) applied++;
  }
  return applied;
}

/** `CREATE INDEX CONCURRENTLY ...` as a plain `CREATE INDEX ...` (the same for DROP), for inside a transaction. */
const withoutConcurrently = (statement: string) => statement.replace(/\bCONCURRENTLY\s+/gi, '');

/** The indexes a migration builds concurrently (`CREATE [UNIQUE] INDEX CONCURRENTLY IF NOT EXISTS name`). */
function concurrentIndexes(statements: readonly string[]): string[] {
  const names: string[] = [];
  for (const statement of statements) {
    const match = /^\s*CREATE\s+(?:UNIQUE\s+)?INDEX\s+CONCURRENTLY\s+IF\s+NOT\s+EXISTS\s+(\w+)/i.exec(
      statement,
    );
    if (match?.[1]) names.push(match[1]);
  }
  return names;
}

/** Which of `names` exist in the current schema as INVALID indexes (a concurrent build that never finished). */
async function invalidIndexes(conn: SqlExecutor, names: readonly string[]): Promise<string[]> {
  if (names.length === 0) return [];
  const rows = await conn.query<{ name: string }>(
    sql`SELECT c.relname AS name FROM pg_class c JOIN pg_index i ON i.indexrelid = c.oid
        WHERE c.relnamespace = current_schema()::regnamespace AND NOT i.indisvalid
          AND c.relname = ANY(${[...names]})`,
  );
  return rows.map((r) => r.name);
}

/**
 * A `transaction: false` migration on Postgres: its statements one at a time on a connection of its
 * own, under the migrators' lock taken for the session. An index an interrupted run left INVALID
 * (the process died, or the build was cancelled) is dropped and built again: `IF NOT EXISTS` alone
 * would skip it, and Postgres never uses an invalid index but still maintains it on every write.
 */
async function applyOutsideTransaction(
  db: SqlDatabase,
  migration: Migration,
  table: string,
): Promise<boolean> {
  const statements = statementsOf(migration, 'postgres');
  const indexes = concurrentIndexes(statements);
  const apply = async (conn: SqlExecutor, locked: boolean): Promise<boolean> => {
    const seen = await conn.query(sql`SELECT 1 FROM ${raw(table)} WHERE version = ${migration.version}`);
    if (seen.length > 0) return false;
    const leftovers = await invalidIndexes(conn, indexes);
    if (leftovers.length > 0 && !locked)
      // Without the lock an INVALID index may be another process's build still running.
      throw new Error(
        `Migration ${migration.version} ${migration.name}: index ${leftovers.join(', ')} is INVALID (an interrupted concurrent build). Drop it (DROP INDEX CONCURRENTLY ${leftovers[0]}) and migrate again.`,
      );
    for (const name of leftovers) await conn.query(raw(`DROP INDEX CONCURRENTLY IF EXISTS ${name}`));
    for (const statement of statements) await conn.query(raw(statement));
    const invalid = await invalidIndexes(conn, indexes);
    if (invalid.length > 0)
      throw new Error(
        `Migration ${migration.version} ${migration.name}: index ${invalid.join(', ')} is still INVALID after its build; migrate again to rebuild it.`,
      );
    // ON CONFLICT: without the lock (a database without connection()) another process may record it too.
    await conn.query(
      sql`INSERT INTO ${raw(table)} (version, name, applied_at) VALUES (${migration.version}, ${migration.name}, ${Date.now()})
          ON CONFLICT (version) DO NOTHING`,
    );
    return true;
  };
  if (!db.connection) return apply(db, false);
  return db.connection(async (conn) => {
    // An index build on a large table outlasts any request's timeout. The connection is closed
    // afterwards (connection()), which also ends the session lock if the unlock below never runs.
    await conn.query(sql`SET statement_timeout = 0`);
    await takeLock(conn, 'pg_try_advisory_lock');
    try {
      return await apply(conn, true);
    } finally {
      await conn.query(sql`SELECT pg_advisory_unlock(${LOCK_KEY})`).catch(() => undefined);
    }
  });
}

/**
 * The migrations of `migrations` that the database has not recorded in `options.table`, oldest first
 * (all of them when the table does not exist yet). Reads only: the app calls it on first use to refuse
 * a database that `migrate()` has not brought up to date, instead of migrating inside a request.
 */
export async function pendingMigrations(
  db: SqlExecutor,
  migrations: readonly Migration[],
  options: MigrateOptions,
): Promise<Migration[]> {
  const { table } = options;
  if (!/^[A-Za-z_]\w*$/.test(table)) throw new TypeError(`'${table}' is not a valid table name.`);
  const exists =
    db.dialect === 'postgres'
      ? await db.query(sql`SELECT 1 WHERE to_regclass(${table}) IS NOT NULL`)
      : await db.query(sql`SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ${table}`);
  const recorded =
    exists.length === 0
      ? new Set<number>()
      : new Set(
          (await db.query<{ version: unknown }>(sql`SELECT version FROM ${raw(table)}`)).map((r) =>
            Number(r.version),
          ),
        );
  return [...migrations].filter((m) => !recorded.has(m.version)).sort((a, b) => a.version - b.version);
}

/** The database lacks migrations: thrown on first use by an app that checks instead of migrating. */
export class MigrationsPendingError extends Error {
  constructor(
    readonly pending: readonly Migration[],
    howToMigrate: string,
  ) {
    const list = pending
      .slice(0, 5)
      .map((m) => `${m.version} ${m.name}`)
      .join(', ');
    const more = pending.length > 5 ? ` and ${pending.length - 5} more` : '';
    super(
      `The database schema is not up to date: ${pending.length} migration(s) not applied (${list}${more}). ${howToMigrate}`,
    );
    this.name = 'MigrationsPendingError';
  }
}
