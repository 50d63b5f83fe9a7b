import { denyUnlessMerchant } from '@/lib/auth';
import { adminDeps } from '@/lib/klaviyo-next/dashboard/deps';
import { answer } from '@/lib/klaviyo-next/dashboard/http';
import { getSettings } from '@/lib/klaviyo-next/dashboard/settings';

export const runtime = 'nodejs';
export const dynamic = 'force-dynamic';

/** The key's validity and scopes, the pinned revision, live or emulator, webhook registration. */
export async function GET() {
  const denied = await denyUnlessMerchant();
  if (denied) return denied;
  return answer(async () => getSettings(await adminDeps()));
}
