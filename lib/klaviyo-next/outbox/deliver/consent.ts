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
import { asApiError, DELIVERED, failed, held, type Outcomes, sendEach, stopsSending } from './outcome';

type ConsentRecord = Extract<OutboxRecord, { kind: 'consent' }>;

function groups(records: readonly ConsentRecord[]) {
  const byKey = new Map<string, ConsentRecord[]>();
  for (const r of records) {
    const key = `${r.payload.status}|${r.payload.listId ?? ''}|${r.payload.source}`;
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

/** One call for the whole group: a subscribe job (at most 1,000) or an unsubscribe call (at most 100). */
async function call(api: ReturnType<typeof subscriptionsResource>, group: readonly ConsentRecord[]) {
  const { status, listId, source } = (group[0] as ConsentRecord).payload;
  const changes = group.map((r) => r.payload);
  if (status === 'SUBSCRIBED') {
    const subscribed = changes as (ConsentChange & { status: 'SUBSCRIBED' })[];
    await api.subscribe(subscribed.map(consentTarget), { listId, customSource: source });
  } else {
    const unsubscribed = changes as (ConsentChange & { status: 'UNSUBSCRIBED' })[];
    await api.unsubscribe(unsubscribed.map(consentTarget), { listId });
  }
}

/**
 * Sends one group. Klaviyo checks a job whole and refuses it for one bad profile, naming it by its
 * pointer: that record fails alone and the rest are sent again without it, so one bad address never
 * dead-letters a thousand. A refusal that points elsewhere (the list) is shared by the whole group; one
 * without a pointer, with one into the profiles that names none of them, or a failure of our own,
 * falls back to one call per record. Returns the error
 * that should stop further sending (throttled or failing).
 */
async function sendGroup(
  api: ReturnType<typeof subscriptionsResource>,
  group: readonly ConsentRecord[],
  outcomes: Outcomes,
): Promise<KlaviyoApiError | undefined> {
  let pending = [...group];
  while (pending.length > 0) {
    try {
      await call(api, pending);
      for (const r of pending) outcomes.set(r.id, DELIVERED);
      return undefined;
    } catch (thrown) {
      const ours = !(thrown instanceof KlaviyoApiError);
      const error = asApiError(thrown, 'bulk_subscribe_profiles');
      if (stopsSending(error) && !ours) {
        for (const r of pending) outcomes.set(r.id, failed(error));
        return error;
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
        return undefined;
      }
      // One call each: a single record's failure is its own, and a stop holds back the rest unsent.
      return sendEach(pending, 1, outcomes, 'bulk_subscribe_profiles', (r) => call(api, [r]));
    }
  }
  return undefined;
}

/**
 * Consent through the bulk subscription jobs (lib/klaviyo-next/api/resources/subscriptions.ts), grouped by
 * status, list and source, each group one call. `custom_source` records where the shopper agreed.
 * Once Klaviyo throttles or fails, the groups not yet sent are held back without counting an attempt.
 */
export async function deliverConsent(
  client: KlaviyoClient,
  records: readonly ConsentRecord[],
  outcomes: Outcomes = new Map(),
): Promise<Outcomes> {
  const api = subscriptionsResource(client);
  const all = groups(records);
  for (const [i, group] of all.entries()) {
    const stop = await sendGroup(api, group, outcomes);
    if (stop) {
      for (const r of all.slice(i + 1).flat()) outcomes.set(r.id, held(stop));
      break;
    }
  }
  return outcomes;
}
