import 'server-only';
import { filter } from '../api';
import { readCached } from './cache/cached';
import type {
  CampaignChannelName,
  CampaignStatusFilter,
  CampaignSummary,
  CampaignsPage,
  Period,
} from './contracts';
import { nextCursor } from './cursor';
import type { AdminDeps } from './deps';
import { campaignReportSource } from './reports';

const PAGE_SIZE = 20;

export interface CampaignQuery {
  channel: CampaignChannelName;
  status?: CampaignStatusFilter;
  period: Period;
  cursor?: string;
}

/**
 * One page of campaigns of a channel (Klaviyo requires the channel filter), newest first, with the
 * period's cached campaign-values report beside it; the page joins the two by campaign id.
 */
export async function listCampaigns(deps: AdminDeps, query: CampaignQuery): Promise<CampaignsPage> {
  const conditions = [filter.equals('messages.channel', query.channel)];
  if (query.status) conditions.push(filter.equals('status', query.status));
  const [page, report] = await Promise.all([
    deps.klaviyo.client.call('get_campaigns', {
      query: {
        filter: filter.buildFilter(...conditions),
        sort: '-created_at',
        'page[size]': PAGE_SIZE,
        'page[cursor]': query.cursor,
      },
    }),
    readCached(deps, campaignReportSource(deps, query.period)),
  ]);
  const items = page.data.map(
    (c): CampaignSummary => ({
      id: c.id,
      name: c.attributes.name,
      channel: query.channel,
      status: c.attributes.status,
      archived: c.attributes.archived,
      sendTime: c.attributes.send_time ?? c.attributes.scheduled_at ?? null,
      createdAt: c.attributes.created_at,
    }),
  );
  return { items, nextCursor: nextCursor(page.links), report };
}
