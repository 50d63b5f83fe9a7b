import { adminDeps } from '@/lib/admin/deps';
import { answer } from '@/lib/admin/http';
import { getSettings } from '@/lib/admin/settings';
import { denyUnlessMerchant } from '@/lib/auth';

export const runtime = 'nodejs';
export const dynamic = 'force-dynamic';

/** The key's validity and scopes, the pinned revision, live or emulator, webhook registration. */
export async function GET() {
  const denied = await denyUnlessMerchant();
  if (denied) return denied;
  return answer(async () => getSettings(await adminDeps()));
}
