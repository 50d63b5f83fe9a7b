import { z } from 'zod';
import { denyUnlessMerchant } from '@/lib/auth';
import { listCampaigns } from '@/lib/klaviyo-next/dashboard/campaigns';
import {
  CAMPAIGN_CHANNELS,
  CAMPAIGN_STATUS_FILTERS,
  DEFAULT_PERIOD,
  PERIODS,
} from '@/lib/klaviyo-next/dashboard/contracts';
import { adminDeps } from '@/lib/klaviyo-next/dashboard/deps';
import { answer, cursorParam, parseQuery } from '@/lib/klaviyo-next/dashboard/http';

export const runtime = 'nodejs';
export const dynamic = 'force-dynamic';

const query = z.object({
  channel: z.enum(CAMPAIGN_CHANNELS).default('email'),
  status: z.enum(CAMPAIGN_STATUS_FILTERS).optional(),
  period: z.enum(PERIODS).default(DEFAULT_PERIOD),
  cursor: cursorParam,
});

/** One page of campaigns of a channel and status, with the period's cached performance. */
export async function GET(request: Request) {
  const denied = await denyUnlessMerchant();
  if (denied) return denied;
  const parsed = parseQuery(request, query);
  if (!parsed.ok) return parsed.response;
  return answer(async () => listCampaigns(await adminDeps(), parsed.data));
}
