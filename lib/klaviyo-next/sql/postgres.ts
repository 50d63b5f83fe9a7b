import 'server-only';
import pg from 'pg';
import type { Sql } from 'sql-template-tag';
import { TransactionScopes } from './scope';
import type { Row, SqlDatabase, SqlExecutor } from './types';

// BIGINT (int8) columns hold epoch milliseconds (and COUNT(*) results), well inside Number's exact
// range. Set per query, so a host's own pool keeps its own parsers for its own queries.
const types = {
  getTypeParser: (oid: number, format?: string) =>
    oid === 20 ? (value: string) => Number(value) : pg.types.getTypeParser(oid, format as 'text'),
};

/** Anything node-postgres runs a query on: a Pool, a PoolClient, a Client. */
type PgQueryable = Pick<pg.Pool | pg.PoolClient | pg.Client, 'query'>;

async function run<T>(client: PgQueryable, query: Sql): Promise<T[]> {
  // `text` numbers the template's placeholders `$1, $2, ...`; the values never enter the SQL text.
  const result = await client.query({ text: query.text, values: query.values, types });
  return result.rows as T[];
}

/**
 * One node-postgres connection as the plugin's executor: hand it the client of the host's own
 * transaction (between the host's BEGIN and COMMIT) and the plugin's statements, an outbox enqueue for
 * one, commit or roll back with the host's order. The host owns the connection and the transaction.
 */
export function postgresExecutor(client: PgQueryable): SqlExecutor {
  return { dialect: 'postgres', query: <T = Row>(query: Sql) => run<T>(client, query) };
}

/**
 * A node-postgres pool as the plugin's database: plain queries on the pool, transactions on one
 * checked-out connection. Constructing it does no I/O. `close()` ends the pool.
 */
export function postgresDatabase(pool: pg.Pool, options: PostgresDatabaseOptions = {}): SqlDatabase {
  const onConnectionError = options.onConnectionError ?? logConnectionError;
  const scopes = new TransactionScopes();
  return {
    dialect: 'postgres',
    async query<T = Row>(query: Sql): Promise<T[]> {
      // Inside a transaction callback this would run on another connection, outside the transaction.
      scopes.assertOutside('query');
      return run<T>(pool, query);
    },
    async transaction<T>(fn: (tx: SqlExecutor) => Promise<T>): Promise<T> {
      scopes.assertOutside('transaction');
      const client = await pool.connect();
      // A connection checked out of the pool has no listener of the pool's: if Postgres ends it
      // between two statements of this transaction, its 'error' event would end the process.
      let lost: Error | undefined;
      const onError = (error: Error) => {
        lost = error;
        onConnectionError(error);
      };
      client.on('error', onError);
      try {
        await client.query('BEGIN');
        const result = await scopes.enter((assertOpen) =>
          fn({
            dialect: 'postgres',
            query: async <R = Row>(query: Sql) => {
              // A tx kept past its transaction would run on a connection another request now holds.
              assertOpen();
              return run<R>(client, query);
            },
          }),
        );
        await client.query('COMMIT');
        return result;
      } catch (error) {
        await client.query('ROLLBACK').catch((rollbackError: Error) => {
          lost ??= rollbackError;
        });
        throw error;
      } finally {
        client.off('error', onError);
        // A connection that failed is closed instead of being handed to the next request.
        client.release(lost);
      }
    },
    async connection<T>(fn: (conn: SqlExecutor) => Promise<T>): Promise<T> {
      scopes.assertOutside('connection');
      const client = await pool.connect();
      const onError = (error: Error) => onConnectionError(error);
      client.on('error', onError);
      try {
        return await fn({ dialect: 'postgres', query: <R = Row>(query: Sql) => run<R>(client, query) });
      } finally {
        client.off('error', onError);
        // Closed, not returned to the pool: a timeout `fn` lifted or a session lock it forgot would
        // otherwise reach the next request that gets this connection.
        client.release(true);
      }
    },
    close: () => pool.end(),
  };
}

/**
 * How long the app waits on Postgres before it gives up, in milliseconds (0 = no limit). Each can be
 * set in DATABASE_URL: `connect_timeout` in seconds (libpq's parameter), `statement_timeout` and
 * `idle_in_transaction_session_timeout` in milliseconds (node-postgres sends them as session settings).
 */
export interface PostgresTimeouts {
  connectMs: number;
  statementMs: number;
  idleInTransactionMs: number;
}

/**
 * - connect, 10 s: a database that is down, or a pool whose connections are all in use, fails the
 *   request with an error instead of holding it forever (node-postgres waits forever by default);
 *   10 s leaves room for a TLS handshake across regions or a serverless Postgres waking up.
 * - statement, 30 s: the app's statements touch a few indexed rows and take milliseconds; one
 *   still running after 30 s is stuck behind a lock or runaway, and holding a pooled connection for
 *   it starves every other request. The outbox retries what failed. Migrations lift the limit.
 * - idle in transaction, 60 s: no transaction of the app waits on anything but its own statements,
 *   so a transaction idle that long belongs to a process that hung or lost its way; Postgres ends it
 *   and frees the rows it locked (stock, outbox leases) for everyone else.
 */
export const DEFAULT_TIMEOUTS: PostgresTimeouts = {
  connectMs: 10_000,
  statementMs: 30_000,
  idleInTransactionMs: 60_000,
};

const URL_PARAMETERS = {
  connectMs: { name: 'connect_timeout', unit: 'seconds', scale: 1000 },
  statementMs: { name: 'statement_timeout', unit: 'milliseconds', scale: 1 },
  idleInTransactionMs: { name: 'idle_in_transaction_session_timeout', unit: 'milliseconds', scale: 1 },
} as const;

/** The timeouts DATABASE_URL sets, over `fallback`; a value that is not a whole number is refused by name. */
export function timeoutsFromUrl(
  url: string,
  fallback: PostgresTimeouts = DEFAULT_TIMEOUTS,
): PostgresTimeouts {
  let search: URLSearchParams;
  try {
    search = new URL(url).searchParams;
  } catch {
    // Not a URL (a libpq key=value string): node-postgres reads it; the defaults apply.
    return { ...fallback };
  }
  const timeouts = { ...fallback };
  for (const [key, { name, unit, scale }] of Object.entries(URL_PARAMETERS) as [
    keyof PostgresTimeouts,
    (typeof URL_PARAMETERS)[keyof PostgresTimeouts],
  ][]) {
    const value = search.get(name);
    if (value === null) continue;
    if (!/^\d+$/.test(value))
      throw new TypeError(
        `The database URL's ${name} must be a whole number of ${unit} (0 for no limit), not '${value}'.`,
      );
    timeouts[key] = Number(value) * scale;
  }
  return timeouts;
}

export interface PostgresOptions {
  /** Isolates a test run (or a tenant) by search_path, set for every connection at connect time. */
  schema?: string;
  max?: number;
  /** Overrides the defaults; DATABASE_URL's own parameters still win (node-postgres applies them last). */
  timeouts?: Partial<PostgresTimeouts>;
  /** Told when Postgres or the network ends one of the pool's connections (default: logged). */
  onConnectionError?: (error: Error) => void;
}

export interface PostgresDatabaseOptions {
  /** Told when Postgres or the network ends a connection in the middle of a transaction (default: logged). */
  onConnectionError?: (error: Error) => void;
}

function logConnectionError(error: Error) {
  console.error(`[db] a Postgres connection ended (${error.message}); the pool opens a new one when needed`);
}

/**
 * Postgres at `url` with the timeouts above, for a host without a pool of its own (the demo store).
 * Constructing it does no I/O: the pool connects on the first statement.
 */
export function openPostgres(url: string, options: PostgresOptions = {}): SqlDatabase {
  if (options.schema && !/^\w+$/.test(options.schema))
    throw new TypeError(`'${options.schema}' is not a valid schema name.`);
  const timeouts = timeoutsFromUrl(url, { ...DEFAULT_TIMEOUTS, ...options.timeouts });
  const onConnectionError = options.onConnectionError ?? logConnectionError;
  const pool = new pg.Pool({
    connectionString: url,
    max: options.max ?? 10,
    connectionTimeoutMillis: timeouts.connectMs,
    statement_timeout: timeouts.statementMs,
    idle_in_transaction_session_timeout: timeouts.idleInTransactionMs,
    // TCP keepalive finds a connection a NAT or load balancer dropped silently, instead of a request
    // learning it by waiting.
    keepAlive: true,
    ...(options.schema ? { options: `-c search_path=${options.schema}` } : {}),
  });
  // An idle pooled connection that Postgres ends (a restart, a failover, pg_terminate_backend, an idle
  // timeout) is reported here; node-postgres has already dropped it. Without a listener the pool's
  // 'error' event would be thrown and end the process.
  pool.on('error', onConnectionError);
  return postgresDatabase(pool, { onConnectionError });
}
