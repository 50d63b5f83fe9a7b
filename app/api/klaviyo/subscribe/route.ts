import { relayDeps } from '@/lib/klaviyo-next/relay/deps';
import { acceptJson, respond } from '@/lib/klaviyo-next/relay/http';
import { callerOf } from '@/lib/klaviyo-next/relay/identity';
import { SUBSCRIBE_LIMIT, subscribe } from '@/lib/klaviyo-next/relay/subscribe';

export const runtime = 'nodejs';

/**
 * Email and SMS marketing sign-up with the disclosure shown and the server's time of consent. Each
 * channel's consent names its own identifier; an SMS consent names an email beside the phone only
 * when it is the signed-in shopper's verified one (from the session cookie, never the body).
 * 202 when stored in the outbox; 400/403/413/429 otherwise, with nothing stored.
 */
export async function POST(request: Request): Promise<Response> {
  const deps = await relayDeps();
  const accepted = await acceptJson(request, deps, { name: 'subscribe', limit: SUBSCRIBE_LIMIT });
  if ('status' in accepted) return respond(accepted);
  return respond(await subscribe(deps, accepted.body, await callerOf(accepted.cookies, deps)));
}
