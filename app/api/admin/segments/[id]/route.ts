import { denyUnlessMerchant } from '@/lib/auth';
import { adminDeps } from '@/lib/klaviyo-next/dashboard/deps';
import { answer, parseId } from '@/lib/klaviyo-next/dashboard/http';
import { getSegment } from '@/lib/klaviyo-next/dashboard/segments';

export const runtime = 'nodejs';
export const dynamic = 'force-dynamic';

/** One segment with its cached profile count. */
export async function GET(_request: Request, { params }: { params: Promise<{ id: string }> }) {
  const denied = await denyUnlessMerchant();
  if (denied) return denied;
  const id = await parseId(params);
  if (!id.ok) return id.response;
  return answer(async () => getSegment(await adminDeps(), id.id));
}
