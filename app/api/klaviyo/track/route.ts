import { relayDeps } from '@/lib/klaviyo-next/relay/deps';
import { acceptJson, respond } from '@/lib/klaviyo-next/relay/http';
import { callerOf } from '@/lib/klaviyo-next/relay/identity';
import { TRACK_LIMIT, trackBrowserEvent } from '@/lib/klaviyo-next/relay/track';

export const runtime = 'nodejs';

/**
 * Browser events (Viewed Product, Added to Cart, Started Checkout) relayed past ad blockers. The body
 * carries ids only; identity and tracking consent come from cookies. 202 when stored in the outbox,
 * or 202 `accepted:false` with the reason (`no-consent`, `anonymous`) when nothing is sent;
 * 400/403/413/429 otherwise, with nothing stored.
 */
export async function POST(request: Request): Promise<Response> {
  const deps = await relayDeps();
  const accepted = await acceptJson(request, deps, { name: 'track', limit: TRACK_LIMIT });
  if ('status' in accepted) return respond(accepted);
  return respond(await trackBrowserEvent(deps, accepted.body, await callerOf(accepted.cookies, deps)));
}
