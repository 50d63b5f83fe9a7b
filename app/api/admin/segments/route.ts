import { adminDeps } from '@/lib/admin/deps';
import { answer, cursorQuery, parseQuery } from '@/lib/admin/http';
import { listSegments } from '@/lib/admin/segments';
import { denyUnlessMerchant } from '@/lib/auth';

export const runtime = 'nodejs';
export const dynamic = 'force-dynamic';

/** One page of segments with their cached profile counts. */
export async function GET(request: Request) {
  const denied = await denyUnlessMerchant();
  if (denied) return denied;
  const parsed = parseQuery(request, cursorQuery);
  if (!parsed.ok) return parsed.response;
  return answer(async () => listSegments(await adminDeps(), parsed.data.cursor));
}
