/** A row as the drivers return it. */
export type Row = Record<string, unknown>;

/** Something SQL can be run on: the database itself or one open transaction. */
export interface Queryable {
  /** Runs one statement with `?` placeholders and returns its rows (RETURNING rows for writes). */
  query<T = Row>(sql: string, params?: readonly unknown[]): Promise<T[]>;
}

/**
 * The app's database: embedded SQLite by default, Postgres when DATABASE_URL is set. The demo store's
 * orders and the outbox live in it together, so an order and its events commit in one transaction.
 */
export interface Database extends Queryable {
  readonly dialect: 'sqlite' | 'postgres';
  /**
   * Runs `fn` in one transaction: committed when it resolves, rolled back when it throws. Every
   * statement of `fn` goes through `tx`; the database object used inside `fn`, or `tx` used after
   * the transaction ended, throws TransactionMisuseError. Other requests' statements never join it.
   */
  transaction<T>(fn: (tx: Queryable) => Promise<T>): Promise<T>;
  close(): Promise<void>;
}
