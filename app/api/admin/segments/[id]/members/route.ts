import { denyUnlessMerchant } from '@/lib/auth';
import { adminDeps } from '@/lib/klaviyo-next/dashboard/deps';
import { answer, cursorQuery, parseId, parseQuery } from '@/lib/klaviyo-next/dashboard/http';
import { segmentMembers } from '@/lib/klaviyo-next/dashboard/segments';

export const runtime = 'nodejs';
export const dynamic = 'force-dynamic';

/** One page of a segment's members. */
export async function GET(request: Request, { params }: { params: Promise<{ id: string }> }) {
  const denied = await denyUnlessMerchant();
  if (denied) return denied;
  // The query is checked before the id, so a request wrong in both still gets the query's 400.
  const parsed = parseQuery(request, cursorQuery);
  if (!parsed.ok) return parsed.response;
  const id = await parseId(params);
  if (!id.ok) return id.response;
  return answer(async () => segmentMembers(await adminDeps(), id.id, parsed.data.cursor));
}
