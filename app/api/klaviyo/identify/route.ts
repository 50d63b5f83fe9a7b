import { relayDeps } from '@/lib/relay/deps';
import { acceptJson, respond } from '@/lib/relay/http';
import { IDENTIFY_LIMIT, identifyShopper } from '@/lib/relay/identify';
import { shopperIdentity } from '@/lib/relay/identity';

export const runtime = 'nodejs';

/**
 * Profile sync for the signed-in shopper (sign-up, account edits): names, phone, location and
 * bounded custom properties, written to the profile the session names. 202 when stored in the
 * outbox; 401 without a session; 400/403/413/429 otherwise, with nothing stored.
 */
export async function POST(request: Request): Promise<Response> {
  const deps = await relayDeps();
  const accepted = await acceptJson(request, deps, { name: 'identify', limit: IDENTIFY_LIMIT });
  if ('status' in accepted) return respond(accepted);
  const identity = await shopperIdentity(accepted.cookies, deps);
  return respond(await identifyShopper(deps, accepted.body, identity));
}
