import 'server-only';
import type { KlaviyoClient } from '../../api/client';
import { KlaviyoApiError } from '../../api/errors';
import {
  SUBSCRIBE_PER_JOB,
  subscriptionsResource,
  UNSUBSCRIBE_PER_CALL,
} from '../../api/resources/subscriptions';
import type { ConsentChange } from '../../events/consent';
import type { OutboxRecord } from '../types';
import { consentTarget } from './bodies';
import type { RoundControl } from './index';
import {
  asApiError,
  DELIVERED,
  deliveredAsync,
  failed,
  holdRest,
  type Outcome,
  type Outcomes,
  onFailure,
  sendEach,
  stoppedBy,
  stopsSending,
} from './outcome';

type ConsentRecord = Extract<OutboxRecord, { kind: 'consent' }>;

/**
 * How long a consent job fences its person. bulk_subscribe_profiles and bulk_unsubscribe_profiles
 * answer 202 and work later, with no job to poll in the spec (no status operation for
 * profile-subscription-bulk-create-job), so, as for events (events.ts EVENTS_SETTLE_MS), a stated
 * window: the person's next profile write or consent change waits for it.
 */
export const CONSENT_SETTLE_MS = 30_000;

export interface ConsentDeliveryOptions {
  /** CONSENT_SETTLE_MS; false writes no fence (tests of the fence). */
  settleMs?: number | false;
}

/**
 * One call per status, list, source and channel: a subscribe's list and custom_source are the job's
 * own, and a channel per job keeps an email list's double opt-in and an SMS consent from answering
 * for each other (a refused SMS number never holds back the email sign-ups beside it).
 */
function groups(records: readonly ConsentRecord[]) {
  const byKey = new Map<string, ConsentRecord[]>();
  for (const r of records) {
    // A historical import is a flag of the whole job, so past consent never shares a job with live.
    const history = r.payload.historicalImport === true && r.payload.status === 'SUBSCRIBED';
    const key = `${r.payload.status}|${r.payload.listId ?? ''}|${r.payload.source}|${r.payload.channel}|${history}`;
    byKey.set(key, [...(byKey.get(key) ?? []), r]);
  }
  const out: ConsentRecord[][] = [];
  for (const group of byKey.values()) {
    const size = group[0]?.payload.status === 'SUBSCRIBED' ? SUBSCRIBE_PER_JOB : UNSUBSCRIBE_PER_CALL;
    for (let i = 0; i < group.length; i += size) out.push(group.slice(i, i + size));
  }
  return out;
}

/** The profile of a job a Klaviyo error pointer names, e.g. /data/attributes/profiles/data/3/attributes/email. */
const PROFILE_POINTER = /^\/data\/attributes\/profiles\/data\/(\d+)(?:\/|$)/;

/**
 * Past consent: the subscribe target with the time it was given as `consented_at`, which a historical
 * import requires for every profile ("If `historical_import` is set to true, the `consented_at` field
 * is required and must be in the past", bulk_subscribe_profiles).
 */
function historicalTarget(change: ConsentChange & { status: 'SUBSCRIBED' }) {
  const target = consentTarget(change);
  const marketing = { consent: change.status, consented_at: change.consentedAt };
  return {
    ...target,
    subscriptions: change.channel === 'email' ? { email: { marketing } } : { sms: { marketing } },
  };
}

/** One call for the whole group: a subscribe job (at most 1,000) or an unsubscribe call (at most 100). */
async function call(
  api: ReturnType<typeof subscriptionsResource>,
  group: readonly ConsentRecord[],
  signal: AbortSignal,
) {
  const { status, listId, source, historicalImport } = (group[0] as ConsentRecord).payload;
  const changes = group.map((r) => r.payload);
  if (status === 'SUBSCRIBED') {
    const subscribed = changes as (ConsentChange & { status: 'SUBSCRIBED' })[];
    const targets = historicalImport ? subscribed.map(historicalTarget) : subscribed.map(consentTarget);
    await api.subscribe(targets, {
      listId,
      customSource: source,
      ...(historicalImport ? { historicalImport: true } : {}),
      signal,
    });
  } else {
    const unsubscribed = changes as (ConsentChange & { status: 'UNSUBSCRIBED' })[];
    await api.unsubscribe(unsubscribed.map(consentTarget), { listId, signal });
  }
}

/**
 * Sends one group. Klaviyo checks a job whole and refuses it for one bad profile, naming it by its
 * pointer: that record fails alone and the rest are sent again without it, so one bad address never
 * dead-letters a thousand. A refusal that points elsewhere (the list) is shared by the whole group; one
 * without a pointer, with one into the profiles that names none of them, or a failure of our own,
 * falls back to one call per record. Every call checks the round first; a failure that stopsSending
 * stops the round for every kind.
 */
async function sendGroup(
  api: ReturnType<typeof subscriptionsResource>,
  group: readonly ConsentRecord[],
  outcomes: Outcomes,
  control: RoundControl,
  accepted: () => Outcome,
): Promise<void> {
  let pending = [...group];
  while (pending.length > 0) {
    const stop = stoppedBy(control);
    if (stop) return holdRest(pending, outcomes, stop);
    try {
      await call(api, pending, control.signal);
      for (const r of pending) outcomes.set(r.id, accepted());
      return;
    } catch (thrown) {
      const outcome = onFailure(control, thrown, 'bulk_subscribe_profiles');
      const ours = !(thrown instanceof KlaviyoApiError);
      const error = asApiError(thrown, 'bulk_subscribe_profiles');
      if (outcome.kind === 'held' || (stopsSending(error) && !ours)) {
        for (const r of pending) outcomes.set(r.id, outcome);
        return;
      }
      const pointer = ours ? undefined : error.pointer;
      const index = PROFILE_POINTER.exec(pointer ?? '')?.[1];
      const culprit = index === undefined ? undefined : pending[Number(index)];
      if (culprit) {
        outcomes.set(culprit.id, failed(error));
        pending = pending.filter((r) => r !== culprit);
        continue;
      }
      // A pointer into the profiles that names none of this job's (out of range, malformed) blames
      // no one: each record is tried alone.
      if (pending.length === 1 || (pointer && !pointer.startsWith('/data/attributes/profiles/'))) {
        for (const r of pending) outcomes.set(r.id, failed(error));
        return;
      }
      // One call each: a single record's failure is its own, and a stop holds back the rest unsent.
      await sendEach(
        pending,
        1,
        outcomes,
        'bulk_subscribe_profiles',
        (r, signal) => call(api, [r], signal),
        control,
        accepted,
      );
      return;
    }
  }
}

/**
 * Consent through the bulk subscription jobs (lib/klaviyo-next/api/resources/subscriptions.ts), grouped by
 * status, list, source and channel, each group one call. `custom_source` records where the shopper
 * agreed. Klaviyo works the jobs later, so each change fences its person for `settleMs`. Once the
 * round stops, the groups not yet sent are held back without counting an attempt.
 */
export async function deliverConsent(
  client: KlaviyoClient,
  records: readonly ConsentRecord[],
  outcomes: Outcomes,
  control: RoundControl,
  options: ConsentDeliveryOptions = {},
): Promise<Outcomes> {
  const api = subscriptionsResource(client);
  const settleMs = options.settleMs ?? CONSENT_SETTLE_MS;
  const accepted = (): Outcome =>
    settleMs === false ? DELIVERED : deliveredAsync({ untilMs: control.now() + settleMs });
  for (const group of groups(records)) await sendGroup(api, group, outcomes, control, accepted);
  return outcomes;
}
