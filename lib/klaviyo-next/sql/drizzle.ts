import 'server-only';
import { sql as drizzleSql, type SQL } from 'drizzle-orm';
import type { Sql } from 'sql-template-tag';
import { TransactionScopes } from './scope';
import type { Row, SqlDatabase, SqlExecutor } from './types';

/**
 * What the adapter needs of a Drizzle database or transaction on the node-postgres driver
 * (`drizzle(pool)` from drizzle-orm/node-postgres, or the `tx` of its `db.transaction()`): `execute`
 * resolves to node-postgres's QueryResult, rows and column types.
 */
export interface DrizzleExecutable {
  execute(
    query: SQL,
  ): PromiseLike<{ rows: unknown[]; fields: readonly { name: string; dataTypeID: number }[] }>;
}

/** A Drizzle node-postgres database: `drizzle(pool)` or `drizzle({ client: pool })`. */
export interface DrizzlePgDatabase extends DrizzleExecutable {
  // biome-ignore lint/suspicious/noExplicitAny: Drizzle's transaction type carries the host's schema generics
  transaction<T>(fn: (tx: any) => Promise<T>): Promise<T>;
  readonly $client?: unknown;
}

const INT8 = 20;

type PgResult = { rows: unknown[]; fields: readonly { name: string; dataTypeID: number }[] };

async function run<T>(db: DrizzleExecutable, query: Sql): Promise<T[]> {
  // Drizzle's `sql` is a tagged template too: our strings stay SQL text and every value becomes one
  // bound parameter (`sql.param`, so an array value stays one parameter instead of a list).
  const strings = Object.assign([...query.strings], { raw: query.strings });
  return rowsOf<T>(await db.execute(drizzleSql(strings, ...query.values.map((v) => drizzleSql.param(v)))));
}

function rowsOf<T>(result: PgResult): T[] {
  // node-postgres reads BIGINT as a string; the plugin's BIGINT columns hold epoch milliseconds (and
  // COUNT(*) results), well inside Number's exact range, as the other adapters return them.
  const bigints = result.fields.filter((f) => f.dataTypeID === INT8).map((f) => f.name);
  const rows = result.rows as Record<string, unknown>[];
  if (bigints.length > 0)
    for (const row of rows)
      for (const name of bigints) if (typeof row[name] === 'string') row[name] = Number(row[name]);
  return rows as T[];
}

/**
 * A Drizzle database or transaction (node-postgres driver) as the plugin's executor: pass the `tx` of
 * the host's own `db.transaction()` and the plugin's statements commit or roll back with it.
 */
export function drizzleExecutor(tx: DrizzleExecutable): SqlExecutor {
  return { dialect: 'postgres', query: <T = Row>(query: Sql) => run<T>(tx, query) };
}

/** What the adapter needs of the node-postgres Pool under a Drizzle database (`db.$client`). */
interface PgPool {
  connect(): Promise<{
    query(query: { text: string; values: unknown[] }): Promise<PgResult>;
    release(destroy?: boolean): void;
  }>;
  totalCount: number;
}

const poolOf = (client: unknown): PgPool | undefined =>
  typeof (client as PgPool | undefined)?.connect === 'function' &&
  typeof (client as PgPool).totalCount === 'number'
    ? (client as PgPool)
    : undefined;

/**
 * A Drizzle database (node-postgres driver) as the plugin's database; its transactions are Drizzle's.
 * Constructing it does no I/O. `close()` ends the pool Drizzle was given.
 */
export function drizzleDatabase(db: DrizzlePgDatabase): SqlDatabase {
  const scopes = new TransactionScopes();
  const pool = poolOf(db.$client);
  // One connection outside a transaction (SqlDatabase.connection), when Drizzle was given a Pool:
  // the migrator builds large indexes CONCURRENTLY on it under a session lock.
  const connection = pool
    ? {
        async connection<T>(fn: (conn: SqlExecutor) => Promise<T>): Promise<T> {
          scopes.assertOutside('connection');
          const client = await pool.connect();
          try {
            return await fn({
              dialect: 'postgres',
              query: async <R = Row>(query: Sql) =>
                rowsOf<R>(await client.query({ text: query.text, values: query.values })),
            });
          } finally {
            // Closed, not returned to the pool: a setting or session lock `fn` left must not reach a request.
            client.release(true);
          }
        },
      }
    : {};
  return {
    ...connection,
    dialect: 'postgres',
    async query<T = Row>(query: Sql): Promise<T[]> {
      // Inside a transaction callback this would run on another connection, outside the transaction.
      scopes.assertOutside('query');
      return run<T>(db, query);
    },
    async transaction<T>(fn: (tx: SqlExecutor) => Promise<T>): Promise<T> {
      scopes.assertOutside('transaction');
      return db.transaction((tx: DrizzleExecutable) =>
        scopes.enter((assertOpen) =>
          fn({
            dialect: 'postgres',
            query: async <R = Row>(query: Sql) => {
              assertOpen();
              return run<R>(tx, query);
            },
          }),
        ),
      );
    },
    async close() {
      const client = db.$client as { end?: () => Promise<void> } | undefined;
      await client?.end?.();
    },
  };
}
