import { relayDeps } from '@/lib/klaviyo-next/relay/deps';
import { acceptJson, respond } from '@/lib/klaviyo-next/relay/http';
import { IDENTIFY_LIMIT, identifyShopper } from '@/lib/klaviyo-next/relay/identify';
import { callerOf } from '@/lib/klaviyo-next/relay/identity';

export const runtime = 'nodejs';

/**
 * Profile sync for the signed-in shopper (sign-up, account edits): names, location and bounded custom
 * properties, written to the profile of the email the store verified for the session; never an
 * identifier from the body. 202 when stored in the outbox; 202 `{accepted:false, reason:'no-consent'}`
 * without tracking consent; 401 naming `session` without a verified signed-in shopper (an exchange id
 * cookie alone is not one); 400/403/413/429 otherwise. Nothing is stored unless the answer says so.
 */
export async function POST(request: Request): Promise<Response> {
  const deps = await relayDeps();
  const accepted = await acceptJson(request, deps, { name: 'identify', limit: IDENTIFY_LIMIT });
  if ('status' in accepted) return respond(accepted);
  return respond(await identifyShopper(deps, accepted.body, await callerOf(accepted.cookies, deps)));
}
