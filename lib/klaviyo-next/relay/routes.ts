import 'server-only';
import { errorResponse } from '../http/error-response';
import { coalescedLimiter, type RateLimit } from '../http/rate-limit';
import type { RelayContext, RelayDeps } from './deps';
import { acceptJson, clientKey, type RelayResult, respond, tooManyRequests } from './http';
import { IDENTIFY_LIMIT, identifyShopper } from './identify';
import { type Caller, callerOf } from './identity';
import { SUBSCRIBE_LIMIT, subscribe } from './subscribe';
import { TRACK_LIMIT, trackBrowserEvent } from './track';
import { relayWrites, type Toll } from './writes';

/** `rateToll`: the route's per-address token, for a use case that takes it with its write. */
type UseCase = (deps: RelayContext, body: unknown, caller: Caller, rateToll: Toll) => Promise<RelayResult>;

/**
 * One relay route: the shared checks (origin, rate, size, JSON), then the use case for the caller.
 * `limitWithWrite`: the per-address token is not taken up front but handed to the use case, which
 * pays it in the transaction of its write (track: a request that stores nothing costs no write).
 */
function relayRoute(
  deps: RelayContext,
  name: string,
  limit: RateLimit,
  run: UseCase,
  limitWithWrite = false,
) {
  const handle = async (request: Request): Promise<Response> => {
    const accepted = await acceptJson(request, deps, { name, ...(limitWithWrite ? {} : { limit }) });
    if ('status' in accepted) return respond(accepted);
    const rateToll: Toll = {
      key: `relay:${name}:${clientKey(request, deps.trustedProxyHops)}`,
      limit,
      refuse: tooManyRequests,
    };
    return respond(await run(deps, accepted.body, await callerOf(accepted.cookies, deps), rateToll));
  };
  return { POST: handle };
}

/**
 * The browser relay's route handlers. Identity and tracking consent come from cookies through the
 * Storefront port; the bodies carry ids only (track), nothing (identify) or what is being subscribed.
 * - track: Viewed Product, Viewed Collection, Submitted Search, Added to Cart, Started Checkout
 *   relayed past ad blockers (202, or 202
 *   `accepted:false` with the reason `no-consent`/`anonymous` when nothing is sent);
 * - identify: the signed-in shopper's verified email onto the browser's profile;
 * - subscribe: newsletter and SMS consent with the exact disclosure text.
 * 400/401/403/413/429 otherwise, with nothing stored.
 *
 * The routes share their rate-limit takes and their enqueues between requests that arrive together
 * (one statement or transaction for many: sql/coalesce.ts), each request still answered only after
 * its own write commits.
 */
export function relayRoutes(host: RelayDeps) {
  const deps: RelayContext = {
    ...host,
    limiter: coalescedLimiter(host.limiter),
    writes: relayWrites(host.db, host.outbox, host.limiter, host.now),
  };
  return {
    track: relayRoute(deps, 'track', TRACK_LIMIT, trackBrowserEvent, true),
    identify: relayRoute(deps, 'identify', IDENTIFY_LIMIT, identifyShopper),
    subscribe: relayRoute(deps, 'subscribe', SUBSCRIBE_LIMIT, subscribe),
  };
}

/** For an instance built without a storefront (a worker): the relay routes say what is missing. */
const unconfigured = {
  POST: async (): Promise<Response> =>
    errorResponse(500, {
      message: 'The relay is not configured: pass `storefront` and `consentTexts` to createKlaviyoNext.',
    }),
};
export const unconfiguredRelayRoutes = {
  track: unconfigured,
  identify: unconfigured,
  subscribe: unconfigured,
};
