import { z } from 'zod';
import { denyUnlessMerchant } from '@/lib/auth';
import { DEFAULT_PERIOD, PERIODS } from '@/lib/klaviyo-next/dashboard/contracts';
import { adminDeps } from '@/lib/klaviyo-next/dashboard/deps';
import { listFlows } from '@/lib/klaviyo-next/dashboard/flows';
import { answer, cursorParam, parseQuery } from '@/lib/klaviyo-next/dashboard/http';

export const runtime = 'nodejs';
export const dynamic = 'force-dynamic';

const query = z.object({ period: z.enum(PERIODS).default(DEFAULT_PERIOD), cursor: cursorParam });

/** One page of flows with trigger, status, cached actions and the period's cached revenue. */
export async function GET(request: Request) {
  const denied = await denyUnlessMerchant();
  if (denied) return denied;
  const parsed = parseQuery(request, query);
  if (!parsed.ok) return parsed.response;
  return answer(async () => listFlows(await adminDeps(), parsed.data.period, parsed.data.cursor));
}
