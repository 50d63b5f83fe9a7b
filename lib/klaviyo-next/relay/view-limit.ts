import 'server-only';
import type { ProfileIdentity } from '../events/identity';
import type { RateLimit } from '../http/rate-limit';
import type { RelayContext } from './deps';
import type { RelayResult } from './http';

/**
 * New page views (distinct Viewed Product unique_ids) one shopper may report. The browser chooses the
 * `viewId`, so every new one is a new event in Klaviyo; a person browsing fast sees a few product pages
 * a minute and clicks through a product's colours and sizes (each variant its own view), so a burst of
 * 60 and 20 a minute after it (1,200 an hour) never refuses a person, while a script reporting views
 * for one identity from many addresses gets no further than that.
 */
export const VIEW_LIMIT: RateLimit = { capacity: 60, perMinute: 20 };

/**
 * Who the views are counted against: the identity the event is sent for (eventIdentity), never a
 * header. A verified email is only ever a shopper's own session; an exchange id comes from a cookie
 * anyone can write, so a script that invents one per request gets a fresh identity each time, and
 * the route's per-address limit (TRACK_LIMIT) is what stops it.
 */
function identityKey(identity: ProfileIdentity): string | undefined {
  if (identity.email) return `email:${identity.email.toLowerCase()}`;
  if (identity._kx) return `kx:${identity._kx}`;
  return undefined;
}

/**
 * Takes a token from the identity's bucket of new page views when `key` is a view the outbox has not
 * seen; answers the 429 to send back when the bucket is empty, or undefined to go on. Two requests
 * racing with the same new view may both take a token: the shopper loses one view of budget, never an
 * event, and the outbox still stores the event once.
 */
export async function limitNewViews(
  deps: Pick<RelayContext, 'writes' | 'limiter'>,
  identity: ProfileIdentity,
  key: string,
): Promise<RelayResult | undefined> {
  const who = identityKey(identity);
  // A repeat of a view the outbox has accepted (its hash stays in klaviyo_outbox_keys after the row
  // is delivered and pruned) stores nothing, so it costs the shopper no token.
  if (!who || (await deps.writes.seen(key))) return undefined;
  const decision = await deps.limiter.take(`relay:views:${who}`, VIEW_LIMIT);
  if (decision.ok) return undefined;
  return {
    status: 429,
    error: {
      field: 'viewId',
      message: `Too many new page views for this shopper (at most ${VIEW_LIMIT.perMinute} a minute after a burst of ${VIEW_LIMIT.capacity}); try again later.`,
    },
    retryAfterSeconds: decision.retryAfterSeconds,
  };
}
