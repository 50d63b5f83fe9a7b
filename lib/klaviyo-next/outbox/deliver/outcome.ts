import { KlaviyoApiError } from '../../api/errors';

/**
 * What became of one record in a delivery round. Only `delivered` marks a record delivered; a record
 * a round ends without an outcome for is retried.
 * - `failed`: sent (or tried), and Klaviyo's answer, or our own failure, decides what comes next;
 * - `held`: never sent, because an earlier failure in the round (`because`) stopped sending: Klaviyo
 *   was throttling or failing, and the rest would have met the same answer. It costs no attempt.
 */
export type Outcome =
  | { kind: 'delivered'; settles?: Settles }
  | { kind: 'failed'; error: KlaviyoApiError }
  | { kind: 'held'; because: KlaviyoApiError };

/**
 * When Klaviyo applies a delivered write asynchronously (a bulk job answers 202 and works later): the
 * person's order key is fenced until `untilMs`, or until the job `job` is seen complete.
 */
export interface Settles {
  untilMs: number;
  job?: string;
}

/** Per outbox id. */
export type Outcomes = Map<number, Outcome>;

export const DELIVERED: Outcome = { kind: 'delivered' };
/** Delivered to a job Klaviyo works later: the person's next write waits until it settles. */
export const deliveredAsync = (settles: Settles): Outcome => ({ kind: 'delivered', settles });
export const failed = (error: unknown, operation = 'deliver'): Outcome => ({
  kind: 'failed',
  error: asApiError(error, operation),
});
export const held = (because: KlaviyoApiError): Outcome => ({ kind: 'held', because });

/**
 * Whether a failure from Klaviyo means the rest of a round's requests would meet the same answer now:
 * throttling, a server or network failure, or a key that is refused (401/403: the account's problem,
 * not the message's). The requests not yet sent are then held back.
 */
export const stopsSending = (error: KlaviyoApiError) =>
  error.retryable || error.status === 401 || error.status === 403;

/**
 * Failures of our own (a payload a deliverer cannot read, a bug) as a retryable error with status 0
 * and code `internal_error`, so they are settled like any other failure instead of aborting the round.
 */
export function asApiError(error: unknown, operation: string): KlaviyoApiError {
  if (error instanceof KlaviyoApiError) return error;
  const e = error as { name?: unknown; message?: unknown } | undefined;
  const name = typeof e?.name === 'string' ? e.name : 'Error';
  const message = typeof e?.message === 'string' ? e.message : String(error);
  return new KlaviyoApiError(operation, { status: 0, code: 'internal_error', detail: `${name}: ${message}` });
}

/**
 * Sends records one call each, at most `limit` in flight, recording each outcome. Once a failure says
 * the rest would meet the same answer (stopsSending), the records not yet started are held back
 * unsent. Returns that failure, if any.
 */
export async function sendEach<R extends { id: number }>(
  records: readonly R[],
  limit: number,
  outcomes: Outcomes,
  operation: string,
  send: (record: R) => Promise<unknown>,
): Promise<KlaviyoApiError | undefined> {
  let stop: KlaviyoApiError | undefined;
  await eachLimited(records, limit, async (record) => {
    if (stop) {
      outcomes.set(record.id, held(stop));
      return;
    }
    try {
      await send(record);
      outcomes.set(record.id, DELIVERED);
    } catch (error) {
      if (error instanceof KlaviyoApiError && stopsSending(error)) stop ??= error;
      outcomes.set(record.id, failed(error, operation));
    }
  });
  return stop;
}

/**
 * Runs `fn` over items with at most `limit` in flight. `fn` must not throw (deliverers record a
 * failure as an outcome); if one does, the others still finish before the error is passed on, so no
 * request is left in flight unaccounted for.
 */
export async function eachLimited<T>(
  items: readonly T[],
  limit: number,
  fn: (item: T) => Promise<void>,
): Promise<void> {
  let next = 0;
  const workers = Array.from({ length: Math.min(limit, items.length) }, async () => {
    while (next < items.length) {
      const item = items[next++] as T;
      await fn(item);
    }
  });
  const results = await Promise.allSettled(workers);
  const rejected = results.find((r) => r.status === 'rejected');
  if (rejected) throw rejected.reason;
}
