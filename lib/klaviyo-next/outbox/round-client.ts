import 'server-only';
import type { KlaviyoClient } from '../api/client';
import { KlaviyoApiError } from '../api/errors';
import { ROUND_ENDED, type RoundControl } from './deliver/index';
import { stopsSending } from './deliver/outcome';

/**
 * A call the round did not finish: refused because the round had already stopped, or cancelled in
 * flight when it stopped (deadline, shutdown, or another call's failure: `because`). It counts no
 * attempt; the record is released, due again when `because` is. A call cancelled in flight may have
 * reached Klaviyo: sending it again is what at-least-once delivery already allows (events carry
 * their unique_id; profile and consent writes set the same values again).
 */
export class Unfinished extends KlaviyoApiError {
  constructor(
    operation: string,
    readonly because: KlaviyoApiError,
  ) {
    super(operation, {
      status: 0,
      code: because === ROUND_ENDED ? 'round_ended' : 'round_stopped',
      detail: `Not finished: the round stopped first (${because.code}).`,
    });
  }
}

/** The failure behind a held or unfinished record. */
export const causeOf = (error: KlaviyoApiError): KlaviyoApiError =>
  error instanceof Unfinished
    ? error.because
    : error.code === 'aborted' || error.code === 'deadline'
      ? ROUND_ENDED
      : error;

/**
 * The client as one round's deliverers see it: every call carries the round's signal (so a deadline
 * or shutdown cancels it, waits for rate budget included), none starts once the round has stopped,
 * and the first failure that means every other call would meet the same answer now (stopsSending:
 * throttled, failing, key refused) stops the round for every kind, whichever deliverer met it.
 * `onThrottled` counts the 429s Klaviyo answered, retried ones included. No call waits for budget or
 * a retry past `deadlineMs` (the round's, on the client's clock).
 */
export function roundClient(
  client: KlaviyoClient,
  control: RoundControl,
  deadlineMs: number,
  onThrottled: (error: KlaviyoApiError) => void,
): KlaviyoClient {
  const bind = <
    A extends { signal?: AbortSignal; deadlineMs?: number; onThrottled?: (error: KlaviyoApiError) => void },
  >(
    args: A | undefined,
  ): A =>
    ({
      ...args,
      signal: args?.signal ? AbortSignal.any([args.signal, control.signal]) : control.signal,
      // No call waits for rate budget past the round's deadline: it is left for the next round.
      ...(Number.isFinite(deadlineMs)
        ? { deadlineMs: Math.min(args?.deadlineMs ?? deadlineMs, deadlineMs) }
        : {}),
      onThrottled: (error: KlaviyoApiError) => {
        args?.onThrottled?.(error);
        onThrottled(error);
      },
    }) as A;
  async function guarded<T>(operation: string, run: () => Promise<T>): Promise<T> {
    if (control.signal.aborted) throw new Unfinished(operation, control.stoppedBy ?? ROUND_ENDED);
    try {
      return await run();
    } catch (error) {
      if (!(error instanceof KlaviyoApiError)) throw error;
      if (error.code === 'aborted' && control.signal.aborted)
        throw new Unfinished(operation, control.stoppedBy ?? ROUND_ENDED);
      // The round's time ran out before the budget freed: nothing was sent.
      if (error.code === 'deadline') {
        control.stop(ROUND_ENDED);
        throw new Unfinished(operation, ROUND_ENDED);
      }
      if (stopsSending(error)) control.stop(error);
      throw error;
    }
  }
  const call = ((operation, args) =>
    guarded(operation, () => client.call(operation, bind(args)))) as KlaviyoClient['call'];
  const send = ((operation, args) =>
    guarded(operation, () => client.send(operation, bind(args)))) as KlaviyoClient['send'];
  return { ...client, call, send };
}
