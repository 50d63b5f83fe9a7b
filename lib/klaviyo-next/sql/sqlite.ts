import 'server-only';
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import type { Sql } from 'sql-template-tag';
import { TransactionScopes } from './scope';
import type { Row, SqlDatabase, SqlExecutor } from './types';

type Connection = BetterSqlite3.Database;

function run<T>(db: Connection, query: Sql): T[] {
  // `sql` renders the template's placeholders as `?`; the values never enter the SQL text.
  const statement = db.prepare(query.sql);
  const values = query.values.map((v) => (typeof v === 'boolean' ? Number(v) : v));
  if (statement.reader) return statement.all(...values) as T[];
  statement.run(...values);
  return [];
}

/**
 * One better-sqlite3 connection as the plugin's executor, for a host that runs its own transaction on
 * it (its own BEGIN ... COMMIT around awaited work): the plugin's statements become part of it. Every
 * statement on a SQLite connection joins whatever transaction is open on it, so the host must not let
 * other requests' statements onto the connection meanwhile (sqliteDatabase's queue does that).
 */
export function sqliteExecutor(db: Connection): SqlExecutor {
  return { dialect: 'sqlite', query: async <T = Row>(query: Sql) => run<T>(db, query) };
}

/**
 * A better-sqlite3 connection as the plugin's database. `connection` is called on the first statement
 * (or close), not before: constructing the database does no I/O.
 *
 * One connection holds at most one transaction, and every statement run on it while a transaction
 * is open becomes part of that transaction: it would see the transaction's uncommitted writes and
 * vanish with its rollback. So every statement of the process goes through one queue: a transaction
 * has the connection to itself from BEGIN to COMMIT, and a plain query waits for it to end (running
 * at once, as its own implicit transaction, only when nothing is open or waiting).
 */
function queuedDatabase(connection: () => Connection, closeConnection: () => void): SqlDatabase {
  const scopes = new TransactionScopes();
  let tail: Promise<unknown> = Promise.resolve();
  /** Transactions and queries queued or running; 0 means no transaction is open. */
  let pending = 0;
  const serial = <T>(job: () => Promise<T>): Promise<T> => {
    pending++;
    const next = tail.then(job).finally(() => {
      pending--;
    });
    tail = next.catch(() => undefined);
    return next;
  };

  return {
    dialect: 'sqlite',
    async query<T = Row>(query: Sql): Promise<T[]> {
      // Inside a transaction callback this statement could only wait for the transaction awaiting it.
      scopes.assertOutside('query');
      if (pending === 0) return run<T>(connection(), query);
      return serial(async () => run<T>(connection(), query));
    },
    async transaction<T>(fn: (tx: SqlExecutor) => Promise<T>): Promise<T> {
      scopes.assertOutside('transaction');
      return serial(() =>
        scopes.enter(async (assertOpen) => {
          const db = connection();
          db.prepare('BEGIN IMMEDIATE').run();
          try {
            const result = await fn({
              dialect: 'sqlite',
              query: async <R = Row>(query: Sql) => {
                assertOpen();
                return run<R>(db, query);
              },
            });
            db.prepare('COMMIT').run();
            return result;
          } catch (error) {
            if (db.inTransaction) db.prepare('ROLLBACK').run();
            throw error;
          }
        }),
      );
    },
    async close() {
      await tail;
      closeConnection();
    },
  };
}

/**
 * The host's better-sqlite3 connection as the plugin's database, with its settings as the host made
 * them. The plugin's promise that an accepted event is never lost needs `journal_mode = WAL`,
 * `busy_timeout` and `synchronous = FULL` (see openSqlite). `close()` closes the connection.
 */
export function sqliteDatabase(db: Connection): SqlDatabase {
  return queuedDatabase(
    () => db,
    () => db.close(),
  );
}

/**
 * SQLite through better-sqlite3 (12.x; 13.x crashes on Node 20) at `path`, opened on the first
 * statement (Next.js imports route modules at build time; nothing may touch the disk then). One
 * connection per process; WAL lets a worker process read and write beside the app, and
 * `busy_timeout` makes writers wait their turn.
 */
export function openSqlite(path: string): SqlDatabase {
  let db: Connection | undefined;
  return queuedDatabase(
    () => {
      if (db) return db;
      if (path !== ':memory:') mkdirSync(dirname(path), { recursive: true });
      const opened = new BetterSqlite3(path);
      opened.pragma('journal_mode = WAL');
      opened.pragma('busy_timeout = 5000');
      // FULL syncs the WAL to disk at every commit. NORMAL (SQLite's WAL default) may lose the last
      // commits on a power cut or OS crash, yet the outbox promises that an accepted order or event is
      // never lost: an fsync per commit is the price of that promise. Choose Postgres for throughput.
      opened.pragma('synchronous = FULL');
      opened.pragma('foreign_keys = ON');
      // Deleted and rewritten rows are overwritten with zeros instead of left in the file's free
      // space: an erased shopper's email must not stay readable in the file (erasure/secure-delete.ts),
      // nor in an old version of a row an ordinary update rewrote before the erasure.
      opened.pragma('secure_delete = ON');
      db = opened;
      return db;
    },
    () => db?.close(),
  );
}
