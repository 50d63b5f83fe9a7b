import 'server-only';
import { AsyncLocalStorage } from 'node:async_hooks';

/**
 * Thrown when code inside a `db.transaction()` callback uses the database object instead of the
 * callback's `tx`. On SQLite's single connection that statement could only wait for the transaction
 * it is part of (a deadlock) or run inside it (and vanish with its rollback); on Postgres it would
 * run on another connection, outside the transaction, and can wait on the transaction's own locks.
 * Either way it is a bug, so it fails at once, on both databases alike.
 */
export class TransactionMisuseError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'TransactionMisuseError';
  }
}

interface Scope {
  open: boolean;
}

/**
 * Which transaction of one database, if any, the running async context belongs to. The scope
 * follows the transaction callback's own awaits (AsyncLocalStorage), never another request's, so a
 * concurrent request is not mistaken for the transaction and code inside the callback is recognised.
 */
export class TransactionScopes {
  private readonly current = new AsyncLocalStorage<Scope>();

  /** Throws when `method` is called on the database from inside one of its open transactions. */
  assertOutside(method: 'query' | 'transaction' | 'connection'): void {
    if (!this.current.getStore()?.open) return;
    throw new TransactionMisuseError(
      method === 'query'
        ? 'db.query() was called inside a db.transaction() callback: run the statement on the callback’s tx, or after the transaction.'
        : method === 'transaction'
          ? 'db.transaction() was called inside another db.transaction() callback: transactions do not nest; use the outer tx.'
          : 'db.connection() was called inside a db.transaction() callback: it runs outside any transaction; call it after the transaction.',
    );
  }

  /**
   * Runs `fn` as one transaction's scope. `fn` gets a check for its statements: a `tx` kept past the
   * end of its transaction must not run on a connection that has moved on (on SQLite, into another
   * request's transaction).
   */
  async enter<T>(fn: (assertOpen: () => void) => Promise<T>): Promise<T> {
    const scope: Scope = { open: true };
    const assertOpen = () => {
      if (!scope.open)
        throw new TransactionMisuseError('tx.query() was called after its transaction had ended.');
    };
    try {
      return await this.current.run(scope, () => fn(assertOpen));
    } finally {
      scope.open = false;
    }
  }
}
