import type { KlaviyoClient, ResponseOf } from '../client';

export type Webhook = ResponseOf<'get_webhook'>['data'];
/** A webhook and the ids of the topics it is subscribed to (e.g. `event:klaviyo.placed_order`). */
export type WebhookWithTopics = Webhook & { topics: string[] };

export interface NewWebhook {
  name: string;
  description?: string;
  /** Klaviyo requires https ("Must be https", create_webhook `endpoint_url`). */
  endpointUrl: string;
  /** Keys the HMAC of every delivery; Klaviyo never returns it, so keep it to verify deliveries. */
  secret: string;
  topics: string[];
}

export interface WebhookChanges {
  name?: string;
  /** `null` clears the description. */
  description?: string | null;
  endpointUrl?: string;
  secret?: string;
  enabled?: boolean;
  /** Replaces the webhook's topics. */
  topics?: string[];
}

const topicRefs = (ids: string[]) => ({ data: ids.map((id) => ({ type: 'webhook-topic' as const, id })) });

/** Topic ids are in the relationship data only when asked for with `include=webhook-topics`. */
const withTopics = (webhook: Webhook): WebhookWithTopics => ({
  ...webhook,
  topics: (webhook.relationships?.['webhook-topics']?.data ?? []).map((t) => t.id),
});

/**
 * System webhooks: Klaviyo POSTs the account's events of the subscribed topics to an endpoint,
 * signed with the webhook's secret (see lib/klaviyo-next/api/webhook-signature.ts). All these operations
 * allow 1/s and 15/m (x-klaviyo-ratelimit), so they belong to setup screens, not request paths.
 */
export function webhooksResource(client: KlaviyoClient) {
  return {
    /** Every webhook of the account with its topics; Klaviyo does not paginate webhooks. */
    async list(): Promise<WebhookWithTopics[]> {
      const document = await client.call('get_webhooks', { query: { include: ['webhook-topics'] } });
      return document.data.map(withTopics);
    },

    async get(id: string): Promise<WebhookWithTopics> {
      const document = await client.call('get_webhook', {
        path: { id },
        query: { include: ['webhook-topics'] },
      });
      return withTopics(document.data);
    },

    /** Creates an enabled webhook. Klaviyo answers with the endpoint's origin only (truncated for security). */
    async create(webhook: NewWebhook) {
      const data = {
        type: 'webhook' as const,
        attributes: {
          name: webhook.name,
          description: webhook.description,
          endpoint_url: webhook.endpointUrl,
          secret_key: webhook.secret,
        },
        relationships: { 'webhook-topics': topicRefs(webhook.topics) },
      };
      return (await client.call('create_webhook', { body: { data } })).data;
    },

    /** Changes only what is given; disabling (`enabled: false`) stops deliveries without deleting. */
    async update(id: string, changes: WebhookChanges) {
      const data = {
        type: 'webhook' as const,
        id,
        attributes: {
          name: changes.name,
          description: changes.description,
          endpoint_url: changes.endpointUrl,
          secret_key: changes.secret,
          enabled: changes.enabled,
        },
        ...(changes.topics && { relationships: { 'webhook-topics': topicRefs(changes.topics) } }),
      };
      return (await client.call('update_webhook', { path: { id }, body: { data } })).data;
    },

    async delete(id: string): Promise<void> {
      await client.call('delete_webhook', { path: { id } });
    },

    /** The topic ids the account can subscribe to; they follow the account's metrics. */
    async topics(): Promise<string[]> {
      return (await client.call('get_webhook_topics')).data.map((t) => t.id);
    },
  };
}
