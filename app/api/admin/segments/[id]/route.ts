import { adminDeps } from '@/lib/admin/deps';
import { answer, parseId } from '@/lib/admin/http';
import { getSegment } from '@/lib/admin/segments';
import { denyUnlessMerchant } from '@/lib/auth';

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
