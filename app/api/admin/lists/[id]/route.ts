import { adminDeps } from '@/lib/admin/deps';
import { answer, klaviyoId } from '@/lib/admin/http';
import { getList } from '@/lib/admin/lists';
import { denyUnlessMerchant } from '@/lib/auth';

export const runtime = 'nodejs';
export const dynamic = 'force-dynamic';

/** One list with its cached profile count. */
export async function GET(_request: Request, { params }: { params: Promise<{ id: string }> }) {
  const denied = await denyUnlessMerchant();
  if (denied) return denied;
  const id = klaviyoId.safeParse((await params).id);
  if (!id.success)
    return Response.json(
      { error: { code: 'invalid', message: 'id: must be a Klaviyo id' } },
      { status: 400 },
    );
  return answer(async () => getList(await adminDeps(), id.data));
}
