import type { Sql as SqlQuery } from 'sql-template-tag';

/** A row as the drivers return it. */
export type Row = Record<string, unknown>;

export type Dialect = 'postgres' | 'sqlite';

/**
 * One connection or one open transaction (the plugin's own, or the host's through an adapter). Queries
 * are `sql` tagged templates: values travel apart from the SQL text, and the adapter renders the
 * placeholders its driver wants (`$1` for Postgres, `?` for SQLite).
 */
export interface SqlExecutor {
  readonly dialect: Dialect;
  /** Runs one statement and returns its rows (RETURNING rows for writes). */
  query<T = Row>(query: SqlQuery): Promise<T[]>;
}

/** A database the plugin can also open its own transactions on. */
export interface SqlDatabase extends SqlExecutor {
  /**
   * Runs `fn` in one transaction: committed when it resolves, rolled back when it throws. Every
   * statement of `fn` goes through `tx`; the database object used inside `fn`, or `tx` used after
   * the transaction ended, throws TransactionMisuseError. Other requests' statements never join it.
   */
  transaction<T>(fn: (tx: SqlExecutor) => Promise<T>): Promise<T>;
  /**
   * Runs `fn` on one connection of its own, outside any transaction: each statement commits on its
   * own, and session settings and session locks hold from one statement to the next. The migrator
   * builds indexes with CREATE INDEX CONCURRENTLY this way (Postgres refuses it inside a transaction).
   * The connection is closed afterwards, so nothing `fn` set reaches another request. Optional: a
   * database without it has such migrations run on its pool without the migrator's lock.
   */
  connection?<T>(fn: (conn: SqlExecutor) => Promise<T>): Promise<T>;
  close(): Promise<void>;
}
