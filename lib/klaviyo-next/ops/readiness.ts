import 'server-only';
import sql, { raw } from 'sql-template-tag';
import { PLUGIN_MIGRATIONS, PLUGIN_MIGRATIONS_TABLE } from '../migrations';
import { MigrationsPendingError } from '../sql/migrate';
import type { SqlDatabase, SqlExecutor } from '../sql/types';

/**
 * Kubernetes probes give up after `timeoutSeconds` (default 1 s) and load balancers after a few
 * seconds; a check that hangs on a stuck pool must answer "not ready" before they stop listening.
 */
export const READINESS_TIMEOUT_MS = 2_000;

/** One check's answer: `ok`, or what is wrong in words an operator can act on (never a secret). */
export type CheckResult = 'ok' | string;

export interface Readiness {
  ready: boolean;
  checks: { database: CheckResult; migrations: CheckResult };
}

class TimedOut extends Error {
  constructor() {
    super('timed out');
  }
}

function within<T>(ms: number, work: Promise<T>): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new TimedOut()), ms);
  });
  return Promise.race([work, late]).finally(() => clearTimeout(timer));
}

const notApplied = (versions: readonly number[]) =>
  `${versions.length} migration(s) not applied (${versions.join(', ')}); run the migrations (the deploy step) first`;

/**
 * The versions of PLUGIN_MIGRATIONS the database has not applied (empty: up to date). On Postgres the
 * read carries its own statement timeout, a little past the probe's: a probe that gave up on a locked
 * table must not leave its query holding a pooled connection until the lock goes, or a few probes
 * would take the pool from the app's requests.
 */
async function pendingMigrations(db: SqlDatabase, timeoutMs: number): Promise<number[]> {
  const read = (q: SqlExecutor) =>
    q.query<{ version: number | string }>(sql`SELECT version FROM ${raw(PLUGIN_MIGRATIONS_TABLE)}`);
  const rows =
    db.dialect === 'postgres'
      ? await db.transaction(async (tx) => {
          await tx.query(raw(`SET LOCAL statement_timeout = ${Math.round(timeoutMs + 1_000)}`));
          return read(tx);
        })
      : await read(db);
  const applied = new Set(rows.map((r) => Number(r.version)));
  return PLUGIN_MIGRATIONS.map((m) => m.version).filter((v) => !applied.has(v));
}

/**
 * Whether this process can serve: the database answers, and every migration of the plugin is applied
 * (the schema this code expects). The problems are named, but without the driver's error text, which
 * can carry a host name, a user or a path: that goes to `onError` (the log) instead.
 */
export async function checkReadiness(
  db: SqlDatabase,
  options: { timeoutMs?: number; onError?: (check: string, error: unknown) => void } = {},
): Promise<Readiness> {
  const timeoutMs = options.timeoutMs ?? READINESS_TIMEOUT_MS;
  try {
    await within(timeoutMs, db.query(sql`SELECT 1 AS ok`));
  } catch (error) {
    // A host whose database checks its schema as it opens (the demo's lib/app) refuses the first
    // statement while migrations are pending: the database answered, the schema is behind.
    if (error instanceof MigrationsPendingError)
      return {
        ready: false,
        checks: { database: 'ok', migrations: notApplied(error.pending.map((m) => m.version)) },
      };
    options.onError?.('database', error);
    const database =
      error instanceof TimedOut
        ? `the database did not answer within ${timeoutMs} ms`
        : 'the database refused the connection or the query';
    return { ready: false, checks: { database, migrations: 'not checked (no database)' } };
  }
  try {
    const pending = await within(timeoutMs, pendingMigrations(db, timeoutMs));
    if (pending.length === 0) return { ready: true, checks: { database: 'ok', migrations: 'ok' } };
    return {
      ready: false,
      checks: { database: 'ok', migrations: notApplied(pending) },
    };
  } catch (error) {
    options.onError?.('migrations', error);
    const migrations =
      error instanceof TimedOut
        ? `the migrations table did not answer within ${timeoutMs} ms`
        : `no ${PLUGIN_MIGRATIONS_TABLE} table: the plugin's migrations have not been run`;
    return { ready: false, checks: { database: 'ok', migrations } };
  }
}
