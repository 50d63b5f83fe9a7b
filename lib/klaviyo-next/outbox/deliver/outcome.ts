import { KlaviyoApiError } from '../../api/errors';
import type { RoundControl } from './index';

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

/** Why a round stopped, once it has (control.signal aborted): what its unsent records are held for. */
export const stoppedBy = (control: RoundControl): KlaviyoApiError | undefined =>
  control.signal.aborted ? control.stoppedBy : undefined;

/** Holds back, unsent, the records that have no outcome yet: the round stopped before their turn. */
export function holdRest(records: readonly { id: number }[], outcomes: Outcomes, because: KlaviyoApiError) {
  for (const r of records) if (!outcomes.has(r.id)) outcomes.set(r.id, held(because));
}

/**
 * What a call's failure means for the round: a call aborted in flight (deadline, shutdown, or another
 * call's stop) is held, not failed: it may have reached Klaviyo, so it is sent again (at least once,
 * which Klaviyo's unique_id and last-write-wins make harmless) without counting an attempt. A failure
 * that means every other call would meet the same answer now (stopsSending) stops the round for every
 * kind (`control.stop`). Returns the outcome to record.
 */
export function onFailure(control: RoundControl, thrown: unknown, operation: string): Outcome {
  // Cut short by the stop (an abort, or a call refused once stopped: status 0), unless this very
  // failure is what stopped the round.
  const cutShort = !(thrown instanceof KlaviyoApiError) || thrown.status === 0;
  if (control.signal.aborted && thrown !== control.stoppedBy && cutShort) {
    return held(control.stoppedBy as KlaviyoApiError);
  }
  if (thrown instanceof KlaviyoApiError && stopsSending(thrown)) control.stop(thrown);
  return failed(thrown, operation);
}

/**
 * Sends records one call each, at most `limit` in flight, recording each outcome (`delivered`, by
 * default DELIVERED, says what an accepted call means for its record). Each call checks the round
 * first and passes on its signal; once the round stops (a failure that stopsSending here or in
 * another kind, the deadline, shutdown) the records not yet started are held back unsent. Returns
 * what stopped the round, if it stopped.
 */
export async function sendEach<R extends { id: number }>(
  records: readonly R[],
  limit: number,
  outcomes: Outcomes,
  operation: string,
  send: (record: R, signal: AbortSignal) => Promise<unknown>,
  control: RoundControl,
  delivered: (record: R) => Outcome = () => DELIVERED,
): Promise<KlaviyoApiError | undefined> {
  await eachLimited(records, limit, async (record) => {
    const stop = stoppedBy(control);
    if (stop) {
      outcomes.set(record.id, held(stop));
      return;
    }
    try {
      await send(record, control.signal);
      outcomes.set(record.id, delivered(record));
    } catch (error) {
      outcomes.set(record.id, onFailure(control, error, operation));
    }
  });
  return stoppedBy(control);
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
