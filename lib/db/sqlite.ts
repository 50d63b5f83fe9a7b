import 'server-only';
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import type { Database, Queryable, Row } from './types';

/**
 * SQLite through better-sqlite3 (12.x; 13.x crashes on Node 20). One connection per process; WAL lets
 * a worker process read and write beside the app, and `busy_timeout` makes writers wait their turn.
 * Transactions are serialised in-process because one connection can hold only one at a time.
 */
export function openSqlite(path: string): Database {
  if (path !== ':memory:') mkdirSync(dirname(path), { recursive: true });
  const db = new BetterSqlite3(path);
  db.pragma('journal_mode = WAL');
  db.pragma('busy_timeout = 5000');
  db.pragma('synchronous = NORMAL');
  db.pragma('foreign_keys = ON');

  const run: Queryable['query'] = async <T = Row>(sql: string, params: readonly unknown[] = []) => {
    const statement = db.prepare(sql);
    const values = params.map((v) => (typeof v === 'boolean' ? Number(v) : v));
    if (statement.reader) return statement.all(...values) as T[];
    statement.run(...values);
    return [];
  };

  let queue: Promise<unknown> = Promise.resolve();
  return {
    dialect: 'sqlite',
    query: run,
    transaction<T>(fn: (tx: Queryable) => Promise<T>): Promise<T> {
      const next = queue.then(async () => {
        db.prepare('BEGIN IMMEDIATE').run();
        try {
          const result = await fn({ query: run });
          db.prepare('COMMIT').run();
          return result;
        } catch (error) {
          if (db.inTransaction) db.prepare('ROLLBACK').run();
          throw error;
        }
      });
      queue = next.catch(() => undefined);
      return next;
    },
    async close() {
      await queue;
      db.close();
    },
  };
}
