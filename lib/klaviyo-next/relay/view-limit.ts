import 'server-only';
import type { ProfileIdentity } from '../events/identity';
import type { RateLimit } from '../http/rate-limit';
import type { RelayResult } from './http';
import type { Toll } from './writes';

/**
 * New page views (distinct Viewed Product, Viewed Collection and Submitted Search unique_ids, one
 * budget for the three) one shopper may report. The browser chooses the `viewId`, so every new one is
 * a new event in Klaviyo; a person browsing fast sees a few pages a minute and clicks through a
 * product's colours and sizes (each variant its own view), so a burst of
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
 * What a new page view costs its shopper: a token from her bucket of new views, taken in the
 * transaction that stores it (relay/writes.ts). A repeat of a view the outbox has accepted (its hash
 * stays in klaviyo_outbox_keys after the row is delivered and pruned) stores nothing and costs
 * nothing. Two requests racing with the same new view may both pay: the shopper loses one view of
 * budget, never an event, and the outbox still stores the event once. Undefined for a caller with no
 * identity to count against (nothing is sent for one).
 */
export function viewToll(identity: ProfileIdentity): Toll | undefined {
  const who = identityKey(identity);
  return who
    ? { key: `relay:views:${who}`, limit: VIEW_LIMIT, onlyIfNew: true, refuse: tooManyViews }
    : undefined;
}

/** The 429 for a shopper out of new page views, naming `viewId`. */
function tooManyViews(retryAfterSeconds: number): RelayResult {
  return {
    status: 429,
    error: {
      field: 'viewId',
      message: `Too many new page views for this shopper (at most ${VIEW_LIMIT.perMinute} a minute after a burst of ${VIEW_LIMIT.capacity}); try again later.`,
    },
    retryAfterSeconds,
  };
}
