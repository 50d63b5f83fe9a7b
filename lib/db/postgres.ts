import 'server-only';
import pg from 'pg';
import type { Database, Queryable, Row } from './types';

/** `?` placeholders (shared with SQLite) to Postgres's `$1, $2, ...`. */
function numbered(sql: string): string {
  let n = 0;
  return sql.replace(/\?/g, () => `$${++n}`);
}

// BIGINT (int8) columns hold epoch milliseconds, well inside Number's exact range.
const types = {
  getTypeParser: (oid: number, format?: string) =>
    oid === 20 ? (value: string) => Number(value) : pg.types.getTypeParser(oid, format as 'text'),
};

/**
 * Postgres for several app instances or serverless hosts. `schema` isolates a test run (or a tenant)
 * by search_path, set for every connection by the server at connect time.
 */
export function openPostgres(url: string, options: { schema?: string; max?: number } = {}): Database {
  if (options.schema && !/^\w+$/.test(options.schema))
    throw new TypeError(`'${options.schema}' is not a valid schema name.`);
  const pool = new pg.Pool({
    connectionString: url,
    max: options.max ?? 10,
    types,
    ...(options.schema ? { options: `-c search_path=${options.schema}` } : {}),
  });
  const query =
    (client: pg.Pool | pg.PoolClient): Queryable['query'] =>
    async <T = Row>(sql: string, params: readonly unknown[] = []) =>
      (await client.query(numbered(sql), params as unknown[])).rows as T[];
  return {
    dialect: 'postgres',
    query: query(pool),
    async transaction<T>(fn: (tx: Queryable) => Promise<T>): Promise<T> {
      const client = await pool.connect();
      try {
        await client.query('BEGIN');
        const result = await fn({ query: query(client) });
        await client.query('COMMIT');
        return result;
      } catch (error) {
        await client.query('ROLLBACK').catch(() => undefined);
        throw error;
      } finally {
        client.release();
      }
    },
    close: () => pool.end(),
  };
}
