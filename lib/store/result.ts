import type { ActionResult } from '../klaviyo-next/http/action-result';

/** What every store action returns: the app's one action answer (lib/klaviyo-next/http/action-result.ts). */
export type { ActionResult } from '../klaviyo-next/http/action-result';

/** A rule of the store said no (empty cart, sold out, over-refund); thrown inside a transaction to roll it back. */
export class StoreError extends Error {
  constructor(
    message: string,
    readonly field?: string,
  ) {
    super(message);
    this.name = 'StoreError';
  }
}

/** Runs a store operation, turning a StoreError into a failed result and letting real faults through. */
export async function asResult<T>(operation: () => Promise<T>): Promise<ActionResult<T>> {
  try {
    return { ok: true, data: await operation() };
  } catch (error) {
    if (!(error instanceof StoreError)) throw error;
    return { ok: false, error: { ...(error.field ? { field: error.field } : {}), message: error.message } };
  }
}
