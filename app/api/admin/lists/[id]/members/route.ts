import { z } from 'zod';
import { adminDeps } from '@/lib/admin/deps';
import { answer, cursorParam, klaviyoId, parseQuery } from '@/lib/admin/http';
import { listMembers } from '@/lib/admin/lists';
import { denyUnlessMerchant } from '@/lib/auth';

export const runtime = 'nodejs';
export const dynamic = 'force-dynamic';

const query = z.object({ cursor: cursorParam });

/** One page of a list's members. */
export async function GET(request: Request, { params }: { params: Promise<{ id: string }> }) {
  const denied = await denyUnlessMerchant();
  if (denied) return denied;
  const id = klaviyoId.safeParse((await params).id);
  const parsed = parseQuery(request, query);
  if (!parsed.ok) return parsed.response;
  if (!id.success)
    return Response.json(
      { error: { code: 'invalid', message: 'id: must be a Klaviyo id' } },
      { status: 400 },
    );
  return answer(async () => listMembers(await adminDeps(), id.data, parsed.data.cursor));
}
