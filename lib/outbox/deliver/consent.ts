import 'server-only';
import type { KlaviyoClient } from '../../klaviyo/client';
import { KlaviyoApiError } from '../../klaviyo/errors';
import type { OutboxRecord } from '../types';
import { subscribeProfile, unsubscribeProfile } from './bodies';
import type { Outcomes } from './outcome';

type ConsentRecord = Extract<OutboxRecord, { kind: 'consent' }>;

// bulk_subscribe_profiles takes up to 1000 profiles, bulk_unsubscribe_profiles up to 100 (spec).
const MAX_SUBSCRIBE = 1000;
const MAX_UNSUBSCRIBE = 100;

function groups(records: readonly ConsentRecord[]) {
  const byKey = new Map<string, ConsentRecord[]>();
  for (const r of records) {
    const key = `${r.payload.status}|${r.payload.listId ?? ''}|${r.payload.source}`;
    byKey.set(key, [...(byKey.get(key) ?? []), r]);
  }
  const out: ConsentRecord[][] = [];
  for (const group of byKey.values()) {
    const size = group[0]?.payload.status === 'SUBSCRIBED' ? MAX_SUBSCRIBE : MAX_UNSUBSCRIBE;
    for (let i = 0; i < group.length; i += size) out.push(group.slice(i, i + size));
  }
  return out;
}

/**
 * Consent through the bulk subscription jobs, grouped by status, list and source. `custom_source`
 * records where the shopper agreed; `consented_at` keeps the time they did.
 */
export async function deliverConsent(
  client: KlaviyoClient,
  records: readonly ConsentRecord[],
): Promise<Outcomes> {
  const outcomes: Outcomes = new Map();
  for (const group of groups(records)) {
    const first = group[0] as ConsentRecord;
    const list = first.payload.listId
      ? { relationships: { list: { data: { type: 'list' as const, id: first.payload.listId } } } }
      : {};
    try {
      if (first.payload.status === 'SUBSCRIBED') {
        const profiles = { data: group.map((r) => subscribeProfile(r.payload)) };
        await client.call('bulk_subscribe_profiles', {
          body: {
            data: {
              type: 'profile-subscription-bulk-create-job',
              attributes: { custom_source: first.payload.source, historical_import: false, profiles },
              ...list,
            },
          },
        });
      } else {
        const profiles = { data: group.map((r) => unsubscribeProfile(r.payload)) };
        await client.call('bulk_unsubscribe_profiles', {
          body: { data: { type: 'profile-subscription-bulk-delete-job', attributes: { profiles }, ...list } },
        });
      }
      for (const r of group) outcomes.set(r.id, undefined);
    } catch (error) {
      if (!(error instanceof KlaviyoApiError)) throw error;
      for (const r of group) outcomes.set(r.id, error);
    }
  }
  return outcomes;
}
