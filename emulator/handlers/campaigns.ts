import { type Context, created, type HandlerTable, noContent, ok } from '../core/context.js';
import { invalid, notFound } from '../core/errors.js';
import { isoTime, ulid } from '../core/ids.js';
import { listDocument, type Resource, readAttribute, relationship, toResource } from '../core/jsonapi.js';
import type { Account } from '../store/account.js';
import type { GenericRecord } from '../store/types.js';

/**
 * Campaigns and campaign messages. A campaign record keeps the spec's response attributes as they are
 * (name, status, archived, audiences, send_options, tracking_options, send_strategy, created_at,
 * scheduled_at, updated_at, send_time); its messages are `campaign-message` records related both ways.
 */
const CAMPAIGN = 'campaign';
const MESSAGE = 'campaign-message';

export const campaignsOf = (account: Account) => account.collection(CAMPAIGN);
export const campaignMessagesOf = (account: Account) => account.collection(MESSAGE);

/** The channels of a campaign's messages (email, sms, mobile_push). */
export function campaignChannels(account: Account, campaign: GenericRecord): string[] {
  const messages = campaignMessagesOf(account);
  return (campaign.relationships['campaign-messages'] ?? [])
    .map((id) => messages.get(id)?.attributes.definition?.channel)
    .filter((channel): channel is string => typeof channel === 'string');
}

// Tracking defaults differ by channel: only email tracks opens and clicks (CampaignsEmailTrackingOptions
// vs CampaignsSMSTrackingOptions in the spec).
function defaultTracking(channel: string) {
  const base = { add_tracking_params: false, custom_tracking_params: null };
  return channel === 'email' ? { ...base, is_tracking_clicks: true, is_tracking_opens: true } : base;
}

function renderCampaign(ctx: Context, campaign: GenericRecord): Resource {
  const ids = (type: string, list: string[] = []) => list.map((id) => ({ type, id }));
  return toResource(ctx, CAMPAIGN, campaign.id, campaign.attributes, {
    'campaign-messages': relationship(
      ctx,
      CAMPAIGN,
      campaign.id,
      'campaign-messages',
      ids(MESSAGE, campaign.relationships['campaign-messages']),
    ),
    tags: relationship(ctx, CAMPAIGN, campaign.id, 'tags', ids('tag', campaign.relationships.tags)),
  });
}

function renderMessage(ctx: Context, message: GenericRecord): Resource {
  const campaignId = message.relationships.campaign?.[0] ?? '';
  return toResource(ctx, MESSAGE, message.id, message.attributes, {
    campaign: relationship(ctx, MESSAGE, message.id, 'campaign', { type: CAMPAIGN, id: campaignId }),
    template: relationship(ctx, MESSAGE, message.id, 'template'),
    image: relationship(ctx, MESSAGE, message.id, 'image'),
  });
}

function findOr404(account: Account, type: string, id: string | undefined, label: string): GenericRecord {
  const record = id ? account.collection(type).get(id) : undefined;
  if (!record) throw notFound(`${label} '${id}' does not exist.`);
  return record;
}

const campaignOr404 = (ctx: Context, id = ctx.params.id) => findOr404(ctx.account, CAMPAIGN, id, 'Campaign');
const messageOr404 = (ctx: Context, id = ctx.params.id) =>
  findOr404(ctx.account, MESSAGE, id, 'Campaign message');

/** `include=campaign-messages` on campaigns (tags are never set on emulated campaigns). */
function includedMessages(ctx: Context, campaigns: GenericRecord[]) {
  if (!ctx.query.include.includes('campaign-messages')) return {};
  const messages = campaignMessagesOf(ctx.account);
  const included = campaigns.flatMap((c) =>
    (c.relationships['campaign-messages'] ?? [])
      .map((id) => messages.get(id))
      .filter((m): m is GenericRecord => Boolean(m))
      .map((m) => renderMessage(ctx, m)),
  );
  return { included };
}

/** `include=campaign` on campaign messages (templates and images are not emulated). */
function includedCampaigns(ctx: Context, messages: GenericRecord[]) {
  if (!ctx.query.include.includes('campaign')) return {};
  const campaigns = campaignsOf(ctx.account);
  const ids = [...new Set(messages.map((m) => m.relationships.campaign?.[0] ?? ''))];
  const included = ids
    .map((id) => campaigns.get(id))
    .filter((c): c is GenericRecord => Boolean(c))
    .map((c) => renderCampaign(ctx, c));
  return { included };
}

function readCampaignField(account: Account, campaign: GenericRecord, field: string): unknown {
  if (field === 'id') return campaign.id;
  if (field === 'messages.channel') return campaignChannels(account, campaign);
  return readAttribute(campaign.attributes, field);
}

function campaignSortValue(campaign: GenericRecord, field: string) {
  if (field === 'id') return campaign.id;
  if (field === 'created_at') return campaign.createdMs;
  if (field === 'updated_at') return campaign.updatedMs;
  return campaign.attributes[field] as string | null;
}

/** Audiences name lists or segments of the account (CampaignCreateQuery `audiences`). */
function checkAudiences(
  account: Account,
  audiences: { included?: string[] | null; excluded?: string[] | null },
) {
  for (const key of ['included', 'excluded'] as const) {
    (audiences[key] ?? []).forEach((id, i) => {
      if (!account.lists.has(id) && !account.segments.has(id)) {
        throw invalid(`Audience '${id}' is not a list or segment in this account.`, {
          pointer: `/data/attributes/audiences/${key}/${i}`,
        });
      }
    });
  }
}

/** A campaign sends on one channel, so all its messages must share it. */
function checkChannels(definitions: { channel: string }[]): string {
  const pointer = '/data/attributes/campaign-messages/data';
  const first = definitions[0]?.channel;
  if (!first) throw invalid('A campaign needs at least one campaign message.', { pointer });
  definitions.forEach((d, i) => {
    if (d.channel !== first) {
      throw invalid(`All messages of a campaign must use one channel; found '${first}' and '${d.channel}'.`, {
        pointer: `${pointer}/${i}/attributes/definition/channel`,
      });
    }
  });
  return first;
}

function createMessage(account: Account, campaign: GenericRecord, definition: Record<string, any>) {
  const now = account.now();
  // Email messages carry a label; Klaviyo names a new one after its campaign.
  const stored =
    definition.channel === 'email' ? { label: campaign.attributes.name, ...definition } : definition;
  const message: GenericRecord = {
    id: ulid(now),
    attributes: { definition: stored, send_times: [], created_at: isoTime(now), updated_at: isoTime(now) },
    relationships: { campaign: [campaign.id] },
    createdMs: now,
    updatedMs: now,
  };
  campaignMessagesOf(account).set(message.id, message);
  campaign.relationships['campaign-messages']?.push(message.id);
}

/** PATCH replaces each attribute that is given; `null` and omitted leave it unchanged. */
function applyCampaignUpdate(campaign: GenericRecord, attributes: Record<string, any>): void {
  for (const key of ['name', 'send_options', 'tracking_options', 'send_strategy'] as const) {
    if (attributes[key] !== undefined && attributes[key] !== null) campaign.attributes[key] = attributes[key];
  }
  const audiences = attributes.audiences;
  if (audiences) {
    campaign.attributes.audiences = {
      included: audiences.included ?? campaign.attributes.audiences.included,
      excluded: audiences.excluded ?? campaign.attributes.audiences.excluded,
    };
  }
}

export const campaignHandlers: HandlerTable = {
  /**
   * get_campaigns: the `filter` parameter is required and must name the channel
   * ("A channel filter is required to list campaigns", operation description).
   */
  get_campaigns: (ctx) => {
    if (!ctx.query.filter.some((c) => c.field === 'messages.channel')) {
      throw invalid(
        "A channel filter is required to list campaigns, e.g. filter=equals(messages.channel,'email').",
        { parameter: 'filter' },
      );
    }
    const doc = listDocument(ctx, campaignsOf(ctx.account).values(), {
      read: (c, field) => readCampaignField(ctx.account, c, field),
      sortValue: campaignSortValue,
      render: (c) => renderCampaign(ctx, c),
    });
    const campaigns = doc.data.map((r) => campaignsOf(ctx.account).get(r.id) as GenericRecord);
    return ok({ ...doc, ...includedMessages(ctx, campaigns) });
  },

  get_campaign: (ctx) => {
    const campaign = campaignOr404(ctx);
    const data = renderCampaign(ctx, campaign);
    return ok({ data, links: { self: data.links.self }, ...includedMessages(ctx, [campaign]) });
  },

  create_campaign: (ctx) => {
    const a = ctx.body.data.attributes;
    checkAudiences(ctx.account, a.audiences);
    const definitions = (a['campaign-messages'].data as any[]).map((m) => m.attributes.definition);
    const channel = checkChannels(definitions);
    const now = ctx.account.now();
    const campaign: GenericRecord = {
      id: ulid(now),
      attributes: {
        name: a.name,
        status: 'Draft',
        archived: false,
        audiences: { included: a.audiences.included, excluded: a.audiences.excluded ?? [] },
        send_options: a.send_options ?? { use_smart_sending: true },
        tracking_options: a.tracking_options ?? defaultTracking(channel),
        // "Defaults to 'Immediate' send strategy" (CampaignCreateQuery send_strategy).
        send_strategy: a.send_strategy ?? { method: 'immediate' },
        created_at: isoTime(now),
        scheduled_at: null,
        updated_at: isoTime(now),
        send_time: null,
      },
      relationships: { 'campaign-messages': [], tags: [] },
      createdMs: now,
      updatedMs: now,
    };
    campaignsOf(ctx.account).set(campaign.id, campaign);
    for (const definition of definitions) createMessage(ctx.account, campaign, definition);
    const data = renderCampaign(ctx, campaign);
    return created({ data, links: { self: data.links.self } });
  },

  /** Only a draft can be edited; a scheduled or sent campaign has to be cancelled back to draft first. */
  update_campaign: (ctx) => {
    const campaign = campaignOr404(ctx);
    if (campaign.attributes.status !== 'Draft') {
      throw invalid(
        `Campaign '${campaign.id}' is ${campaign.attributes.status}; only a Draft can be updated.`,
        {
          pointer: '/data/id',
        },
      );
    }
    const attributes = ctx.body.data.attributes ?? {};
    if (attributes.audiences) checkAudiences(ctx.account, attributes.audiences);
    applyCampaignUpdate(campaign, attributes);
    campaign.updatedMs = ctx.account.now();
    campaign.attributes.updated_at = isoTime(campaign.updatedMs);
    const data = renderCampaign(ctx, campaign);
    return ok({ data, links: { self: data.links.self } });
  },

  delete_campaign: (ctx) => {
    const campaign = campaignOr404(ctx);
    for (const id of campaign.relationships['campaign-messages'] ?? [])
      campaignMessagesOf(ctx.account).delete(id);
    campaignsOf(ctx.account).delete(campaign.id);
    return noContent();
  },

  get_messages_for_campaign: (ctx) => {
    const campaign = campaignOr404(ctx);
    const messages = (campaign.relationships['campaign-messages'] ?? [])
      .map((id) => campaignMessagesOf(ctx.account).get(id))
      .filter((m): m is GenericRecord => Boolean(m));
    return ok({
      data: messages.map((m) => renderMessage(ctx, m)),
      links: { self: `${ctx.baseUrl}${ctx.url.pathname}` },
      ...includedCampaigns(ctx, messages),
    });
  },

  get_message_ids_for_campaign: (ctx) => {
    const campaign = campaignOr404(ctx);
    return ok({
      data: (campaign.relationships['campaign-messages'] ?? []).map((id) => ({ type: MESSAGE, id })),
      links: { self: `${ctx.baseUrl}${ctx.url.pathname}` },
    });
  },

  get_campaign_message: (ctx) => {
    const message = messageOr404(ctx);
    const data = renderMessage(ctx, message);
    return ok({ data, links: { self: data.links.self }, ...includedCampaigns(ctx, [message]) });
  },

  get_campaign_for_campaign_message: (ctx) => {
    const message = messageOr404(ctx);
    const data = renderCampaign(ctx, campaignOr404(ctx, message.relationships.campaign?.[0]));
    return ok({ data, links: { self: data.links.self } });
  },
};
