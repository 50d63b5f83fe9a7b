import { type Context, created, type HandlerTable, noContent, ok } from '../core/context.js';
import { invalid, notFound } from '../core/errors.js';
import { isoTime, ulid } from '../core/ids.js';
import { relationship, selfLink, toResource } from '../core/jsonapi.js';
import type { Account } from '../store/account.js';
import type { WebhookRecord } from '../store/types.js';
import { topicForMetric } from '../webhooks/delivery.js';

/**
 * The metrics behind Klaviyo's system-webhook topics: email, SMS, push, review and consent events
 * (Webhooks API overview; docs/klaviyo-notes.md#webhooks-api). Klaviyo says "topics are dynamic and
 * based on the metrics available in your account", so the account's own metrics are topics too.
 */
const STANDARD_TOPIC_METRICS = [
  'Bounced Email',
  'Clicked Email',
  'Marked Email as Spam',
  'Opened Email',
  'Received Email',
  'Subscribed to Email Marketing',
  'Unsubscribed from Email Marketing',
  'Clicked SMS',
  'Failed to Deliver SMS',
  'Received SMS',
  'Sent SMS',
  'Subscribed to SMS Marketing',
  'Unsubscribed from SMS Marketing',
  'Bounced Push',
  'Opened Push',
  'Received Push',
  'Ready to Review',
  'Submitted Review',
];

// With the test-only opt-in (EmulatorSettings.httpLoopbackWebhooks), these hosts may use http.
const LOOPBACK = new Set(['127.0.0.1', 'localhost', '[::1]']);

function availableTopics(account: Account): string[] {
  const names = [...STANDARD_TOPIC_METRICS, ...[...account.metrics.values()].map((m) => m.name)];
  return [...new Set(names.map(topicForMetric))].sort();
}

function renderTopic(ctx: Context, id: string) {
  return { type: 'webhook-topic', id, links: { self: selfLink(ctx, 'webhook-topic', id) } };
}

/**
 * Only the URL's origin is shown: the spec describes the response's endpoint_url as "truncated for
 * security" and its example drops the path of the create example.
 */
function renderWebhook(ctx: Context, webhook: WebhookRecord) {
  const a = webhook.attributes;
  const withTopics = ctx.query.include.includes('webhook-topics');
  const topics = withTopics ? webhook.topics.map((id) => ({ type: 'webhook-topic', id })) : undefined;
  return toResource(
    ctx,
    'webhook',
    webhook.id,
    {
      name: a.name,
      description: a.description,
      endpoint_url: new URL(a.endpoint_url).origin,
      enabled: a.enabled,
      created_at: a.created_at,
      updated_at: a.updated_at,
    },
    { 'webhook-topics': relationship(ctx, 'webhook', webhook.id, 'webhook-topics', topics) },
  );
}

function includedTopics(ctx: Context, webhooks: WebhookRecord[]) {
  if (!ctx.query.include.includes('webhook-topics')) return {};
  const ids = new Set(webhooks.flatMap((w) => w.topics));
  return { included: [...ids].map((id) => renderTopic(ctx, id)) };
}

/**
 * endpoint_url "Must be https" (webhook create and update schemas). http is allowed only when a test
 * opted in, and then only for a loopback receiver.
 */
function checkEndpointUrl(ctx: Context, value: string): string {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw invalid(`'${value}' is not a valid URL.`, { pointer: '/data/attributes/endpoint_url' });
  }
  const httpAllowed = ctx.settings.httpLoopbackWebhooks && LOOPBACK.has(url.hostname);
  if (url.protocol !== 'https:' && !(url.protocol === 'http:' && httpAllowed)) {
    throw invalid(`endpoint_url must be an https URL; '${url.protocol}' was given.`, {
      pointer: '/data/attributes/endpoint_url',
    });
  }
  return value;
}

/** The secret keys the HMAC of every delivery; an empty key would make signatures forgeable. */
function checkSecret(value: string): string {
  if (value === '')
    throw invalid('secret_key must not be empty.', { pointer: '/data/attributes/secret_key' });
  return value;
}

/** The topic ids of a `webhook-topics` relationship; every one must be a topic of the account. */
function checkTopics(account: Account, data: { id: string }[] | undefined): string[] {
  const pointer = '/data/relationships/webhook-topics/data';
  if (!data || data.length === 0) throw invalid('A webhook needs at least one topic.', { pointer });
  const available = new Set(availableTopics(account));
  data.forEach(({ id }, i) => {
    if (!available.has(id)) {
      throw invalid(`'${id}' is not a webhook topic of this account; see GET /api/webhook-topics.`, {
        pointer: `${pointer}/${i}/id`,
      });
    }
  });
  return [...new Set(data.map((t) => t.id))];
}

function getWebhookOr404(ctx: Context): WebhookRecord {
  const webhook = ctx.account.webhooks.get(ctx.params.id ?? '');
  if (!webhook) throw notFound(`Webhook '${ctx.params.id}' does not exist.`);
  return webhook;
}

export const webhookHandlers: HandlerTable = {
  // Webhooks and topics are not paginated: their operations take no page parameters
  // (docs/klaviyo-notes.md#pagination).
  get_webhooks: (ctx) => {
    const webhooks = [...ctx.account.webhooks.values()];
    return ok({
      data: webhooks.map((w) => renderWebhook(ctx, w)),
      links: { self: new URL(ctx.url.pathname + ctx.url.search, ctx.baseUrl).toString() },
      ...includedTopics(ctx, webhooks),
    });
  },

  get_webhook: (ctx) => {
    const webhook = getWebhookOr404(ctx);
    const resource = renderWebhook(ctx, webhook);
    return ok({ data: resource, links: { self: resource.links.self }, ...includedTopics(ctx, [webhook]) });
  },

  /** secret_key is kept for signing and never returned (docs/klaviyo-notes.md#webhooks-api). */
  create_webhook: (ctx) => {
    const { attributes, relationships } = ctx.body.data;
    const now = isoTime(ctx.account.now());
    const webhook: WebhookRecord = {
      id: ulid(ctx.account.now()),
      attributes: {
        name: attributes.name,
        description: attributes.description ?? null,
        endpoint_url: checkEndpointUrl(ctx, attributes.endpoint_url),
        enabled: true,
        created_at: now,
        updated_at: now,
      },
      secretKey: checkSecret(attributes.secret_key),
      topics: checkTopics(ctx.account, relationships['webhook-topics'].data),
    };
    ctx.account.webhooks.set(webhook.id, webhook);
    const resource = renderWebhook(ctx, webhook);
    return created({ data: resource, links: { self: resource.links.self } });
  },

  /** Omitted attributes stay; `null` clears only the description, as the other fields are required. */
  update_webhook: (ctx) => {
    const webhook = getWebhookOr404(ctx);
    const { attributes, relationships } = ctx.body.data;
    // Check everything before changing anything, so a 400 leaves the webhook as it was.
    const endpointUrl =
      attributes.endpoint_url != null ? checkEndpointUrl(ctx, attributes.endpoint_url) : null;
    const topicData = relationships?.['webhook-topics'];
    const topics = topicData ? checkTopics(ctx.account, topicData.data) : null;
    const secret = attributes.secret_key != null ? checkSecret(attributes.secret_key) : null;
    const a = webhook.attributes;
    if (endpointUrl !== null) a.endpoint_url = endpointUrl;
    if (topics !== null) webhook.topics = topics;
    if (attributes.name != null) a.name = attributes.name;
    if (attributes.description !== undefined) a.description = attributes.description;
    if (attributes.enabled != null) a.enabled = attributes.enabled;
    if (secret !== null) webhook.secretKey = secret;
    a.updated_at = isoTime(ctx.account.now());
    const resource = renderWebhook(ctx, webhook);
    return ok({ data: resource, links: { self: resource.links.self } });
  },

  delete_webhook: (ctx) => {
    ctx.account.webhooks.delete(getWebhookOr404(ctx).id);
    return noContent();
  },

  get_webhook_topics: (ctx) =>
    ok({
      data: availableTopics(ctx.account).map((id) => renderTopic(ctx, id)),
      links: { self: new URL(ctx.url.pathname + ctx.url.search, ctx.baseUrl).toString() },
    }),

  get_webhook_topic: (ctx) => {
    const id = ctx.params.id ?? '';
    if (!availableTopics(ctx.account).includes(id)) throw notFound(`Webhook topic '${id}' does not exist.`);
    const resource = renderTopic(ctx, id);
    return ok({ data: resource, links: { self: resource.links.self } });
  },
};
