import { z } from 'zod';
import { DEFAULT_PERIOD, PERIODS } from '@/lib/admin/contracts';
import { adminDeps } from '@/lib/admin/deps';
import { answer, parseQuery } from '@/lib/admin/http';
import { getOverview } from '@/lib/admin/overview';
import { denyUnlessMerchant } from '@/lib/auth';

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
