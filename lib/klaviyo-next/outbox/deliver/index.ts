import 'server-only';
import type { KlaviyoClient } from '../../api/client';
import { KlaviyoApiError } from '../../api/errors';
import type { SqlDatabase } from '../../sql/types';
import type { OutboxRecord } from '../types';
import { deliverBackInStock } from './back-in-stock';
import { deliverCatalog } from './catalog';
import { deliverConsent } from './consent';
import { deliverEvents } from './events';
import { failed, type Outcomes } from './outcome';
import { deliverProfileDeletions } from './profile-deletion';
import { deliverProfiles } from './profiles';
import { planRides } from './riding';

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
  /**
   * The round's clock, the one the claim compares fences with (the database's on Postgres): a
   * deliverer stamps a fence's `untilMs` with it.
   */
  readonly now: () => number;
}

/** Why records were held when the round's time ran out or the worker stopped: due again at once. */
export const ROUND_ENDED = new KlaviyoApiError('deliver', {
  status: 0,
  code: 'round_ended',
  detail: 'The delivery round ended (deadline or shutdown) before this message was sent.',
});

/** A control for one round; aborting `parent` (deadline, shutdown) ends the round as well. */
export function roundControl(parent?: AbortSignal, now: () => number = Date.now): RoundControl {
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
    now,
  };
}

/** Settle windows and thresholds, each with its default in the deliverer that uses it. */
export interface DeliverOptions {
  /** events.ts EVENTS_SETTLE_MS: how long a profile write that rode on events fences its person. */
  eventsSettleMs?: number;
  /** consent.ts CONSENT_SETTLE_MS. */
  consentSettleMs?: number;
  /** profiles.ts IMPORT_FENCE_MS: the longest an unpolled profile import job fences its people. */
  importFenceMs?: number;
  /** profiles.ts PROFILE_TRICKLE: fewer writes than this go singly, not in an import job. */
  profileTrickle?: number;
  /**
   * False: nothing Klaviyo works later fences its person (no `settles` on any outcome). Only for
   * the test that shows newest-wins breaking without the fences (outbox-bulk-newest.test.ts).
   */
  fences?: boolean;
  /** The outbox's database: the catalog deliverer keeps there what Klaviyo holds (catalog/state.ts). */
  db?: SqlDatabase;
}

/**
 * Every kind this worker delivers. Only these are claimed; a kind added by a newer release stays in the
 * queue for the workers that know it, neither delivered nor dead-lettered by this one.
 */
export const KNOWN_KINDS: OutboxRecord['kind'][] = [
  'profile',
  'consent',
  'event',
  'back-in-stock',
  'profile-deletion',
  'catalog',
];

const ofKind = <K extends OutboxRecord['kind']>(records: readonly OutboxRecord[], kind: K) =>
  records.filter((r): r is Extract<OutboxRecord, { kind: K }> => r.kind === kind);

/**
 * Delivers one round's records, recording an outcome per record in `outcomes` as each arrives.
 *
 * Events go first and carry the profile writes of their people (riding.ts): a whole order is its
 * events plus one profile write, and the write costs nothing on the events' bulk job. The writes left
 * (no event of theirs in the round, or another identity) go next, then consent, then back in stock,
 * then data-privacy deletions (erasure/: a deletion is never claimed with a write of its person's,
 * whose order key it shares), then catalog changes (catalog bulk jobs, each waited for: last, so the
 * rest of the round is settled while they run).
 * Klaviyo works every one of these later (bulk jobs, create_event's 202), so their order within a round
 * orders nothing at Klaviyo; what keeps one person's writes in order is the outbox's chain per order
 * key and the fence each asynchronous write leaves (`deliveredAsync`). Every deliverer checks the
 * round's control before each call: the first failure that stopsSending stops them all.
 */
export async function deliverAll(
  client: KlaviyoClient,
  records: readonly OutboxRecord[],
  outcomes: Outcomes,
  control: RoundControl,
  options: DeliverOptions = {},
): Promise<Outcomes> {
  const fences = options.fences ?? true;
  const events = ofKind(records, 'event');
  const profiles = ofKind(records, 'profile');
  const steps: [OutboxRecord['kind'], () => Promise<unknown>][] = [
    [
      'event',
      () =>
        deliverEvents(client, events, outcomes, control, {
          rides: planRides(profiles, events),
          settleMs: fences ? options.eventsSettleMs : false,
        }),
    ],
    [
      'profile',
      () =>
        deliverProfiles(
          client,
          profiles.filter((r) => !outcomes.has(r.id)),
          outcomes,
          control,
          { trickle: options.profileTrickle, fenceMs: fences ? options.importFenceMs : false },
        ),
    ],
    [
      'consent',
      () =>
        deliverConsent(client, ofKind(records, 'consent'), outcomes, control, {
          settleMs: fences ? options.consentSettleMs : false,
        }),
    ],
    ['back-in-stock', () => deliverBackInStock(client, ofKind(records, 'back-in-stock'), outcomes, control)],
    [
      'profile-deletion',
      () => deliverProfileDeletions(client, ofKind(records, 'profile-deletion'), outcomes, control),
    ],
    [
      'catalog',
      () => {
        const catalog = ofKind(records, 'catalog');
        if (catalog.length > 0 && !options.db)
          throw new Error('The catalog deliverer needs DeliverOptions.db.');
        return options.db
          ? deliverCatalog(client, catalog, outcomes, control, { db: options.db, now: control.now })
          : Promise.resolve();
      },
    ],
  ];
  for (const [kind, deliver] of steps) {
    try {
      await deliver();
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
