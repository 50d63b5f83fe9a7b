import 'server-only';
import { KlaviyoApiError } from '../api';
import { policyFor } from './cache/budget';
import type { Source } from './cache/cached';
import type { KeyStatus, ScopeCheck, WebhookInfo } from './contracts';
import type { AdminDeps } from './deps';
import { probeScopes } from './scope-probes';

const TEN_MINUTES = 10 * 60_000;

/** Whether the key works and whose account it is (get_accounts: 1/s, 15/m). */
export function keySource(deps: AdminDeps): Source<KeyStatus> {
  return {
    key: 'settings:key',
    ttlMs: TEN_MINUTES,
    bucket: 'get_accounts',
    policy: policyFor('get_accounts', { share: 0.5 }),
    async fetch() {
      try {
        const check = await deps.klaviyo.accounts.checkKey();
        if (check.status !== 'valid') return { status: check.status, detail: check.detail, account: null };
        const { id, attributes } = check.account;
        return {
          status: 'valid',
          detail: null,
          account: {
            id,
            name: attributes.contact_information?.organization_name ?? null,
            timezone: attributes.timezone ?? null,
            currency: attributes.preferred_currency ?? null,
          },
        };
      } catch (error) {
        if (!(error instanceof KlaviyoApiError)) throw error;
        return { status: 'unreachable', detail: error.detail, account: null };
      }
    },
  };
}

/** The key's scopes, probed (see scope-probes.ts); they change rarely, so an hour is fresh enough. */
export function scopesSource(deps: AdminDeps): Source<ScopeCheck[]> {
  return {
    key: 'settings:scopes',
    ttlMs: 60 * 60_000,
    bucket: 'scope-probes',
    policy: { capacity: 1, perMinute: 1, perDay: 200 },
    fetch: () => probeScopes(deps.klaviyo),
  };
}

/** The account's webhooks (get_webhooks: 1/s, 15/m), and which of them point at this store. */
export function webhooksSource(deps: AdminDeps): Source<WebhookInfo[]> {
  return {
    key: 'settings:webhooks',
    ttlMs: TEN_MINUTES,
    bucket: 'get_webhooks',
    policy: policyFor('get_webhooks', { share: 0.5 }),
    async fetch() {
      const expected = deps.settings.webhookUrl;
      const ours = expected ? new URL(expected).origin : undefined;
      return (await deps.klaviyo.webhooks.list()).map((w) => {
        const url = w.attributes.endpoint_url ?? '';
        return {
          id: w.id,
          name: w.attributes.name ?? w.id,
          endpointUrl: url,
          enabled: w.attributes.enabled ?? false,
          topics: w.topics,
          ours: ours !== undefined && url.startsWith(ours),
        };
      });
    },
  };
}
