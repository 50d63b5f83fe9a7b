import 'server-only';
import type { KlaviyoClient } from '../../klaviyo/client';
import { KlaviyoApiError } from '../../klaviyo/errors';
import {
  SUBSCRIBE_PER_JOB,
  subscriptionsResource,
  UNSUBSCRIBE_PER_CALL,
} from '../../klaviyo/resources/subscriptions';
import type { ConsentChange } from '../../tracking/consent';
import type { OutboxRecord } from '../types';
import { consentTarget } from './bodies';
import type { Outcomes } from './outcome';

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

/**
 * Consent through the bulk subscription jobs (lib/klaviyo/resources/subscriptions.ts), grouped by
 * status, list and source, each group one call. `custom_source` records where the shopper agreed.
 */
export async function deliverConsent(
  client: KlaviyoClient,
  records: readonly ConsentRecord[],
): Promise<Outcomes> {
  const outcomes: Outcomes = new Map();
  const api = subscriptionsResource(client);
  for (const group of groups(records)) {
    const { status, listId, source } = (group[0] as ConsentRecord).payload;
    const changes = group.map((r) => r.payload);
    try {
      if (status === 'SUBSCRIBED') {
        const subscribed = changes as (ConsentChange & { status: 'SUBSCRIBED' })[];
        await api.subscribe(subscribed.map(consentTarget), { listId, customSource: source });
      } else {
        const unsubscribed = changes as (ConsentChange & { status: 'UNSUBSCRIBED' })[];
        await api.unsubscribe(unsubscribed.map(consentTarget), { listId });
      }
      for (const r of group) outcomes.set(r.id, undefined);
    } catch (error) {
      if (!(error instanceof KlaviyoApiError)) throw error;
      for (const r of group) outcomes.set(r.id, error);
    }
  }
  return outcomes;
}
