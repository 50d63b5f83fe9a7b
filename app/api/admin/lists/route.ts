import { denyUnlessMerchant } from '@/lib/auth';
import { adminDeps } from '@/lib/klaviyo-next/dashboard/deps';
import { answer, cursorQuery, parseQuery } from '@/lib/klaviyo-next/dashboard/http';
import { listLists } from '@/lib/klaviyo-next/dashboard/lists';

export const runtime = 'nodejs';
export const dynamic = 'force-dynamic';

/** One page of lists with their cached profile counts. */
export async function GET(request: Request) {
  const denied = await denyUnlessMerchant();
  if (denied) return denied;
  const parsed = parseQuery(request, cursorQuery);
  if (!parsed.ok) return parsed.response;
  return answer(async () => listLists(await adminDeps(), parsed.data.cursor));
}
