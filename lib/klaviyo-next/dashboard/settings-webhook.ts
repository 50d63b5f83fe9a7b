import 'server-only';
import sql from 'sql-template-tag';
import { KlaviyoApiError } from '../api';
import { CONSENT_TOPIC_IDS } from '../webhooks/consent-items';
import { refreshCached } from './cache/cached';
import type { WebhookInfo, WebhookReceiverStatus } from './contracts';
import type { AdminDeps } from './deps';
import { AdminError } from './errors';
import { webhooksSource } from './settings-sources';

/** The name the Settings button gives the store's webhook, so it finds it again among the account's. */
export const STORE_WEBHOOK_NAME = 'klaviyo-next store consent';

/**
 * The store's webhook among the account's: same origin (Klaviyo answers the endpoint truncated to its
 * origin, create_webhook response) and our name.
 */
export function storeWebhook(deps: AdminDeps, webhooks: readonly WebhookInfo[]): WebhookInfo | undefined {
  const expected = deps.settings.webhookUrl;
  if (!expected) return undefined;
  const origin = new URL(expected).origin;
  return webhooks.find((w) => w.name === STORE_WEBHOOK_NAME && w.endpointUrl.startsWith(origin));
}

function requireSetup(deps: AdminDeps): { url: string; secret: string } {
  const url = deps.settings.webhookUrl;
  const secret = deps.receiver?.secret;
  if (!url)
    throw new AdminError(
      'invalid',
      'Give the plugin the store URL (siteUrl) first: Klaviyo needs an address.',
    );
  if (!secret)
    throw new AdminError('invalid', 'Set KLAVIYO_WEBHOOK_SECRET first: every delivery is signed with it.');
  return { url, secret };
}

async function rereadWebhooks(deps: AdminDeps) {
  // Right after a change, whatever the cache's age (still within get_webhooks' budget).
  await refreshCached(deps, webhooksSource(deps), 0);
}

/**
 * "Register": creates the store's webhook for the consent topics with the current secret, or, when it
 * exists, updates it (address, secret, topics, enabled) so pressing it again after rotating the
 * secret or moving the store puts things right. Webhook calls allow 1/s and 15/m.
 */
export async function registerStoreWebhook(deps: AdminDeps): Promise<{ id: string; created: boolean }> {
  const { url, secret } = requireSetup(deps);
  const all = await deps.klaviyo.webhooks.list();
  const origin = new URL(url).origin;
  const existing = all.find(
    (w) => w.attributes.name === STORE_WEBHOOK_NAME && (w.attributes.endpoint_url ?? '').startsWith(origin),
  );
  const topics = [...CONSENT_TOPIC_IDS];
  if (existing) {
    await deps.klaviyo.webhooks.update(existing.id, { endpointUrl: url, secret, topics, enabled: true });
    await rereadWebhooks(deps);
    return { id: existing.id, created: false };
  }
  const created = await deps.klaviyo.webhooks.create({
    name: STORE_WEBHOOK_NAME,
    description: 'Unsubscribes, SMS STOP, spam complaints and resubscribes back to the store.',
    endpointUrl: url,
    secret,
    topics,
  });
  // Two presses at once (two tabs, two admins) may each have found none and created one: every
  // registrar keeps the oldest (webhook ids are ULIDs, ordered by creation) and deletes the rest, so
  // Klaviyo never delivers each change twice.
  const ours = (await deps.klaviyo.webhooks.list())
    .filter(
      (w) => w.attributes.name === STORE_WEBHOOK_NAME && (w.attributes.endpoint_url ?? '').startsWith(origin),
    )
    .sort((a, b) => a.id.localeCompare(b.id));
  const kept = ours[0]?.id ?? created.id;
  for (const extra of ours.slice(1)) {
    await deps.klaviyo.webhooks.delete(extra.id).catch((error: unknown) => {
      // Already deleted by the other registrar.
      if (!(error instanceof KlaviyoApiError && error.status === 404)) throw error;
    });
  }
  await rereadWebhooks(deps);
  return { id: kept, created: kept === created.id };
}

/** "Remove": deletes the store's webhook; Klaviyo stops delivering at once. */
export async function removeStoreWebhook(deps: AdminDeps): Promise<{ removed: boolean }> {
  requireSetup(deps);
  const all = await deps.klaviyo.webhooks.list();
  const origin = new URL(deps.settings.webhookUrl ?? '').origin;
  const ours = all.filter(
    (w) => w.attributes.name === STORE_WEBHOOK_NAME && (w.attributes.endpoint_url ?? '').startsWith(origin),
  );
  for (const webhook of ours) await deps.klaviyo.webhooks.delete(webhook.id);
  await rereadWebhooks(deps);
  return { removed: ours.length > 0 };
}

/**
 * Whether the receiver is live: configured here, registered at Klaviyo (enabled, every consent topic),
 * and what the inbox has seen (the last delivery stored, items waiting, items given up on).
 */
export async function receiverStatus(
  deps: AdminDeps,
  webhooks: readonly WebhookInfo[] | null,
): Promise<WebhookReceiverStatus> {
  const ours = webhooks ? storeWebhook(deps, webhooks) : undefined;
  const missingTopics = ours
    ? CONSENT_TOPIC_IDS.filter((t) => !ours.topics.includes(t))
    : [...CONSENT_TOPIC_IDS];
  const [row] = await deps.db.query<{
    last: number | string | null;
    pending: number | string;
    dead: number | string;
  }>(
    sql`SELECT MAX(received_at) AS last,
      SUM(CASE WHEN state = 'pending' THEN 1 ELSE 0 END) AS pending,
      SUM(CASE WHEN state = 'dead' THEN 1 ELSE 0 END) AS dead
      FROM klaviyo_webhook_inbox`,
  );
  const secretSet = Boolean(deps.receiver?.secret);
  return {
    secretSet,
    url: deps.settings.webhookUrl ?? null,
    topics: [...CONSENT_TOPIC_IDS],
    registeredId: ours?.id ?? null,
    enabled: ours?.enabled ?? false,
    missingTopics,
    live: secretSet && Boolean(ours?.enabled) && missingTopics.length === 0,
    lastReceivedAt: row?.last == null ? null : Number(row.last),
    pending: Number(row?.pending ?? 0),
    dead: Number(row?.dead ?? 0),
  };
}
