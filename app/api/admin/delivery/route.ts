import { z } from 'zod';
import { denyUnlessMerchant } from '@/lib/auth';
import { DELIVERY_STATES } from '@/lib/klaviyo-next/dashboard/contracts';
import { listDelivery } from '@/lib/klaviyo-next/dashboard/delivery';
import { adminDeps } from '@/lib/klaviyo-next/dashboard/deps';
import { answer, parseQuery } from '@/lib/klaviyo-next/dashboard/http';

export const runtime = 'nodejs';
export const dynamic = 'force-dynamic';

const query = z.object({
  state: z.enum(DELIVERY_STATES as ['pending', 'retrying', 'delivered', 'dead']).optional(),
  cursor: z.coerce.number().int().positive().optional(),
});

/** One page of outbox messages (newest first) with the count in each state. */
export async function GET(request: Request) {
  const denied = await denyUnlessMerchant();
  if (denied) return denied;
  const parsed = parseQuery(request, query);
  if (!parsed.ok) return parsed.response;
  return answer(async () => listDelivery(await adminDeps(), parsed.data));
}
