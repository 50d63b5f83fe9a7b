import { denyUnlessMerchant } from '@/lib/auth';
import { adminDeps } from '@/lib/klaviyo-next/dashboard/deps';
import { answer, parseId } from '@/lib/klaviyo-next/dashboard/http';
import { getList } from '@/lib/klaviyo-next/dashboard/lists';

export const runtime = 'nodejs';
export const dynamic = 'force-dynamic';

/** One list with its cached profile count. */
export async function GET(_request: Request, { params }: { params: Promise<{ id: string }> }) {
  const denied = await denyUnlessMerchant();
  if (denied) return denied;
  const id = await parseId(params);
  if (!id.ok) return id.response;
  return answer(async () => getList(await adminDeps(), id.id));
}
