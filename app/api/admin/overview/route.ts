import { z } from 'zod';
import { denyUnlessMerchant } from '@/lib/auth';
import { DEFAULT_PERIOD, PERIODS } from '@/lib/klaviyo-next/dashboard/contracts';
import { adminDeps } from '@/lib/klaviyo-next/dashboard/deps';
import { answer, parseQuery } from '@/lib/klaviyo-next/dashboard/http';
import { getOverview } from '@/lib/klaviyo-next/dashboard/overview';

export const runtime = 'nodejs';
export const dynamic = 'force-dynamic';

const query = z.object({ period: z.enum(PERIODS).default(DEFAULT_PERIOD) });

/** Revenue from the cached reports, events delivered per hour and outbox health. */
export async function GET(request: Request) {
  const denied = await denyUnlessMerchant();
  if (denied) return denied;
  const parsed = parseQuery(request, query);
  if (!parsed.ok) return parsed.response;
  return answer(async () => getOverview(await adminDeps(), parsed.data.period));
}
