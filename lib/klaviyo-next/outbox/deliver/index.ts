import 'server-only';
import type { KlaviyoClient } from '../../api/client';
import { KlaviyoApiError } from '../../api/errors';
import type { OutboxRecord } from '../types';
import { deliverBackInStock } from './back-in-stock';
import { deliverConsent } from './consent';
import { deliverEvents } from './events';
import { failed, type Outcomes } from './outcome';
import { deliverProfiles } from './profiles';

/**
 * How a round tells its deliverers to stop calling Klaviyo, and how a deliverer tells the others.
 * - `signal` aborts when the round must end: its deadline passed, or the worker is stopping;
 * - `stop(error)`: a call failed in a way that means every other call would meet the same answer now
 *   (stopsSending: throttled, failing, key refused), so every kind stops calling, not only the one
 *   that met it. `signal` aborts then too.
 * A record a deliverer did not send because the round stopped is `held` (never sent, no attempt).
 */
export interface RoundControl {
  readonly signal: AbortSignal;
  stop(because: KlaviyoApiError): void;
  /** The failure that stopped the round, or, once `signal` aborted for a deadline or shutdown, ROUND_ENDED. */
  readonly stoppedBy: KlaviyoApiError | undefined;
}

/** Why records were held when the round's time ran out or the worker stopped: due again at once. */
export const ROUND_ENDED = new KlaviyoApiError('deliver', {
  status: 0,
  code: 'round_ended',
  detail: 'The delivery round ended (deadline or shutdown) before this message was sent.',
});

/** A control for one round; aborting `parent` (deadline, shutdown) ends the round as well. */
export function roundControl(parent?: AbortSignal): RoundControl {
  const own = new AbortController();
  let because: KlaviyoApiError | undefined;
  const signal = parent ? AbortSignal.any([parent, own.signal]) : own.signal;
  return {
    signal,
    stop(error) {
      because ??= error;
      own.abort(error);
    },
    get stoppedBy() {
      return because ?? (signal.aborted ? ROUND_ENDED : undefined);
    },
  };
}

type Deliverer<K extends OutboxRecord['kind']> = (
  client: KlaviyoClient,
  records: readonly Extract<OutboxRecord, { kind: K }>[],
  outcomes: Outcomes,
  control: RoundControl,
) => Promise<Outcomes>;

/**
 * One deliverer per kind, in the order a round sends them. Profiles first: a profile write carries the
 * browser's exchange id (`_kx`) beside the email, so it joins a new email to the profile the shopper
 * browsed as. Consent next (its job takes only email and phone, which would otherwise start a second
 * profile), then events, which so land on a profile that already carries its consent.
 */
const DELIVERERS: { [K in OutboxRecord['kind']]: Deliverer<K> } = {
  profile: deliverProfiles,
  consent: deliverConsent,
  event: deliverEvents,
  'back-in-stock': deliverBackInStock,
};

/**
 * The kinds this worker delivers. Only these are claimed; a kind added by a newer release stays in the
 * queue for the workers that know it, neither delivered nor dead-lettered by this one.
 */
export const KNOWN_KINDS = Object.keys(DELIVERERS) as OutboxRecord['kind'][];

/** Delivers one round's records, recording an outcome per record in `outcomes` as each arrives. */
export async function deliverAll(
  client: KlaviyoClient,
  records: readonly OutboxRecord[],
  outcomes: Outcomes,
  control: RoundControl,
): Promise<Outcomes> {
  for (const kind of KNOWN_KINDS) {
    const deliver = DELIVERERS[kind] as Deliverer<typeof kind>;
    try {
      await deliver(client, records.filter((r) => r.kind === kind) as never, outcomes, control);
    } catch (error) {
      // Whatever a deliverer throws, what it had done stays recorded and the rest of its records
      // are settled as failed, so the round still reaches settle().
      for (const r of records) {
        if (r.kind === kind && !outcomes.has(r.id)) outcomes.set(r.id, failed(error, `deliver ${kind}`));
      }
    }
  }
  return outcomes;
}
