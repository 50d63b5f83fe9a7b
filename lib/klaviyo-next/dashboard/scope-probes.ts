import 'server-only';
import { type Klaviyo, KlaviyoApiError } from '../api';
import { OPERATIONS } from '../api/generated/operations';
import { USED_OPERATIONS } from '../api/used-operations';
import type { ScopeCheck } from './contracts';

/**
 * Klaviyo has no endpoint that lists a private key's scopes, so each scope the plugin needs is
 * probed. Reads ask for one item. Writes send an empty body: Klaviyo checks the key's scopes before
 * it reads the body, so the answer is 403 when the scope is missing and 400 when it is granted, and
 * nothing is ever written.
 */
type Probe = { via: string; call: (k: Klaviyo) => Promise<unknown> };
const EMPTY = { data: {} } as never;

const PROBES: Record<string, Probe> = {
  'accounts:read': { via: 'get_accounts', call: (k) => k.client.call('get_accounts') },
  'campaigns:read': {
    via: 'get_campaigns',
    call: (k) =>
      k.client.call('get_campaigns', {
        query: { filter: "equals(messages.channel,'email')", 'page[size]': 1 },
      }),
  },
  'catalogs:read': { via: 'get_catalog_items', call: (k) => k.client.call('get_catalog_items') },
  'events:read': {
    via: 'get_events',
    call: (k) => k.client.call('get_events', { query: { 'page[size]': 1 } }),
  },
  'flows:read': { via: 'get_flows', call: (k) => k.client.call('get_flows', { query: { 'page[size]': 1 } }) },
  'lists:read': { via: 'get_lists', call: (k) => k.client.call('get_lists', { query: { 'page[size]': 1 } }) },
  'metrics:read': { via: 'get_metrics', call: (k) => k.client.call('get_metrics') },
  'profiles:read': {
    via: 'get_profiles',
    call: (k) => k.client.call('get_profiles', { query: { 'page[size]': 1 } }),
  },
  'segments:read': {
    via: 'get_segments',
    call: (k) => k.client.call('get_segments', { query: { 'page[size]': 1 } }),
  },
  'webhooks:read': { via: 'get_webhooks', call: (k) => k.client.call('get_webhooks') },
  'events:write': {
    via: 'create_event (empty body)',
    call: (k) => k.client.call('create_event', { body: EMPTY }),
  },
  'profiles:write': {
    via: 'create_profile (empty body)',
    call: (k) => k.client.call('create_profile', { body: EMPTY }),
  },
  'lists:write': {
    via: 'update_list (empty body)',
    call: (k) => k.client.call('update_list', { path: { id: 'scope-probe' }, body: EMPTY }),
  },
  'catalogs:write': {
    via: 'create_catalog_item (empty body)',
    call: (k) => k.client.call('create_catalog_item', { body: EMPTY }),
  },
  // bulk_subscribe_profiles also needs lists:write and profiles:write, which are probed on their own.
  'subscriptions:write': {
    via: 'bulk_subscribe_profiles (empty body)',
    call: (k) => k.client.call('bulk_subscribe_profiles', { body: EMPTY }),
  },
  'data-privacy:write': {
    via: 'request_profile_deletion (empty body)',
    call: (k) => k.client.call('request_profile_deletion', { body: EMPTY }),
  },
  'webhooks:write': {
    via: 'create_webhook (empty body)',
    call: (k) => k.client.call('create_webhook', { body: EMPTY }),
  },
};

/** Every scope the operations this plugin calls require, from the spec's `x-klaviyo-scopes`. */
export function requiredScopes(): string[] {
  const scopes = new Set<string>();
  for (const op of USED_OPERATIONS)
    for (const s of (OPERATIONS[op] as { scopes: readonly string[] }).scopes) scopes.add(s);
  return [...scopes].sort();
}

async function probe(k: Klaviyo, scope: string): Promise<ScopeCheck> {
  const p = PROBES[scope];
  if (!p) return { scope, status: 'unknown', via: 'no side-effect-free probe' };
  try {
    await p.call(k);
    return { scope, status: 'granted', via: p.via };
  } catch (error) {
    if (!(error instanceof KlaviyoApiError)) throw error;
    if (error.status === 401 || error.status === 403) return { scope, status: 'missing', via: p.via };
    if (error.status >= 400 && error.status < 500 && error.status !== 429)
      return { scope, status: 'granted', via: p.via };
    return { scope, status: 'unknown', via: `${p.via}: ${error.status || error.code}` };
  }
}

/** Probes each required scope in turn (one call each, all well inside their limits). */
export async function probeScopes(k: Klaviyo): Promise<ScopeCheck[]> {
  const results: ScopeCheck[] = [];
  for (const scope of requiredScopes()) results.push(await probe(k, scope));
  return results;
}
