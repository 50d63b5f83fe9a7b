import 'server-only';
import { KLAVIYO_REVISION } from '../api/revision';
import { readCached, refreshCached } from './cache/cached';
import type { Settings } from './contracts';
import type { AdminDeps } from './deps';
import { keySource, scopesSource, webhooksSource } from './settings-sources';
import { receiverStatus } from './settings-webhook';

/** What the settings page shows; the Klaviyo parts come from the cache, refreshed within budget. */
export async function getSettings(deps: AdminDeps): Promise<Settings> {
  const klaviyo = deps.settings;
  const [key, scopes, webhooks] = await Promise.all([
    readCached(deps, keySource(deps)),
    readCached(deps, scopesSource(deps)),
    readCached(deps, webhooksSource(deps)),
  ]);
  return {
    mode: klaviyo.live ? 'live' : 'emulator',
    apiUrl: klaviyo.apiUrl,
    revision: KLAVIYO_REVISION,
    companyId: klaviyo.companyId,
    key,
    scopes,
    webhooks,
    expectedWebhookUrl: klaviyo.webhookUrl ?? null,
    receiver: await receiverStatus(deps, webhooks.value),
  };
}

/** "Check again": re-reads key, scopes and webhooks unless they were read in the last minute. */
export async function recheckSettings(deps: AdminDeps): Promise<Settings> {
  await refreshCached(deps, keySource(deps), 60_000);
  await refreshCached(deps, scopesSource(deps), 60_000);
  await refreshCached(deps, webhooksSource(deps), 60_000);
  return getSettings(deps);
}
