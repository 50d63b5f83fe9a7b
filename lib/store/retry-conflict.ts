import 'server-only';

/**
 * Postgres's answers for "this transaction lost a race, run it again": a serialization failure
 * (40001) and a detected deadlock (40P01). Both roll the transaction back whole, so running it once
 * more is safe; SQLite serializes writers and never raises them.
 * https://www.postgresql.org/docs/current/mvcc-serialization-failure-handling.html
 */
const RETRYABLE = new Set(['40001', '40P01']);

export const isRetryableConflict = (error: unknown): boolean =>
  typeof error === 'object' && error !== null && RETRYABLE.has(String((error as { code?: unknown }).code));

/**
 * Runs a whole transaction, and once more if Postgres aborted it for a conflict. Once, because
 * stable lock order already rules out the deadlocks we know of; a second conflict is a fault to see.
 */
export async function retryOnConflict<T>(run: () => Promise<T>): Promise<T> {
  try {
    return await run();
  } catch (error) {
    if (!isRetryableConflict(error)) throw error;
    return run();
  }
}
