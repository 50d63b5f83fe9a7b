import type { KlaviyoClient, ResponseOf } from '../client';
import { any, buildFilter, type Condition, equals } from '../filter';
import { paginate } from '../paginate';

export type Campaign = ResponseOf<'get_campaign'>['data'];
export type CampaignStatus = Campaign['attributes']['status'];
type Included = NonNullable<ResponseOf<'get_campaign'>['included']>[number];
export type CampaignMessage = Extract<Included, { type: 'campaign-message' }>;
/** The channels get_campaigns can list: "email", "sms" or "mobile_push" (get_campaigns description). */
export type CampaignChannel = 'email' | 'sms' | 'mobile_push';

export interface ListCampaignsOptions {
  /** One status, or several (the `status` filter takes `equals` and `any`). */
  status?: CampaignStatus | readonly CampaignStatus[];
  /** 1 to 100 per page; Klaviyo's default is 100 (get_campaigns `page[size]`). */
  pageSize?: number;
}

/**
 * Campaigns: listing by channel and status, and one campaign with its messages. Read-only; the
 * storefront never creates or sends campaigns.
 */
export function campaignsResource(client: KlaviyoClient) {
  return {
    /**
     * Every campaign of one channel, page by page. The channel is required because Klaviyo requires
     * it: get_campaigns answers 400 without an `equals(messages.channel, ...)` filter ("A channel
     * filter is required to list campaigns", get_campaigns description).
     */
    list(channel: CampaignChannel, options: ListCampaignsOptions = {}) {
      const conditions: Condition[] = [equals('messages.channel', channel)];
      const { status } = options;
      if (typeof status === 'string') conditions.push(equals('status', status));
      else if (status) conditions.push(any('status', status));
      return paginate(client, 'get_campaigns', {
        query: { filter: buildFilter(...conditions), 'page[size]': options.pageSize },
      });
    },

    /**
     * One campaign and its messages (subject, content, send times) in a single request, through
     * `include=campaign-messages`; the messages come back in the campaign's own order.
     */
    async get(id: string): Promise<{ campaign: Campaign; messages: CampaignMessage[] }> {
      const document = await client.call('get_campaign', {
        path: { id },
        query: { include: ['campaign-messages'] },
      });
      const byId = new Map(
        (document.included ?? [])
          .filter((r): r is CampaignMessage => r.type === 'campaign-message')
          .map((m) => [m.id, m]),
      );
      const order = document.data.relationships?.['campaign-messages']?.data ?? [];
      const messages = order.flatMap(({ id }) => byId.get(id) ?? []);
      return { campaign: document.data, messages };
    },
  };
}
