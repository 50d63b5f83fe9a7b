import 'server-only';
import { z } from 'zod';
import {
  addedToCart,
  startedCheckout,
  submittedSearch,
  viewedCollection,
  viewedProduct,
} from '../events/browse';
import type { TrackEvent } from '../events/event';
import { isIdentified, type ProfileIdentity } from '../events/identity';
import { BROWSER_METRICS, METRICS } from '../events/metrics';
import { fieldErrorOf } from '../http/field-error';
import { eventMessage } from '../outbox/types';
import type { RelayContext } from './deps';
import type { RelayResult } from './http';
import { type Caller, eventIdentity } from './identity';
import { viewToll } from './view-limit';
import type { Toll } from './writes';

/** One browser's page views and cart changes fit easily; a script replaying events does not. */
export const TRACK_LIMIT = { capacity: 60, perMinute: 60 };

const cartEvent = <M extends string>(metric: M) =>
  z.strictObject({
    metric: z.literal(metric),
    cartId: z.uuid(),
    revision: z.number().int().min(1).max(1_000_000),
  });

// The page view's id, as klaviyo.js is given it, so both sides derive one unique_id.
const viewId = z.string().regex(/^[A-Za-z0-9_-]{8,64}$/, 'is not a page view id');

/** Longer than any search box sends (the demo store's keeps 100 characters); a longer term is refused. */
export const SEARCH_TERM_MAX = 200;

/**
 * Ids only, and a search's term: the server looks up everything else (a collection's name, what a
 * search finds), so the relay cannot carry made-up products, prices, names or counts.
 */
const trackBody = z.discriminatedUnion('metric', [
  z.strictObject({
    metric: z.literal(METRICS.viewedProduct),
    variantId: z.string().min(1).max(120),
    viewId,
  }),
  cartEvent(METRICS.addedToCart),
  cartEvent(METRICS.startedCheckout),
  z.strictObject({
    metric: z.literal(METRICS.viewedCollection),
    collection: z.string().min(1).max(120),
    viewId,
  }),
  z.strictObject({
    metric: z.literal(METRICS.submittedSearch),
    term: z
      .string()
      .trim()
      .min(1, 'is empty; send the words searched for')
      .max(SEARCH_TERM_MAX, `is longer than ${SEARCH_TERM_MAX} characters`),
    viewId,
  }),
]);

/** The metrics whose `viewId` the browser chooses: each new one is a new event (view-limit.ts). */
const PAGE_VIEWS: readonly string[] = [
  METRICS.viewedProduct,
  METRICS.viewedCollection,
  METRICS.submittedSearch,
];

const bad = (field: string, message: string): RelayResult => ({ status: 400, error: { field, message } });

async function rebuild(
  deps: RelayContext,
  body: z.output<typeof trackBody>,
  profile: ProfileIdentity,
  at: string,
) {
  if (body.metric === METRICS.viewedProduct) {
    const product = await deps.storefront.product(body.variantId);
    return product
      ? viewedProduct(product, { profile, viewId: body.viewId, at })
      : bad('variantId', 'No such product.');
  }
  if (body.metric === METRICS.viewedCollection) {
    if (!deps.storefront.collection) return bad('metric', 'This store does not track collection views.');
    const collection = await deps.storefront.collection(body.collection);
    return collection
      ? viewedCollection(collection, { profile, viewId: body.viewId, at })
      : bad('collection', 'No such collection.');
  }
  if (body.metric === METRICS.submittedSearch) {
    if (!deps.storefront.search) return bad('metric', 'This store does not track searches.');
    const search = await deps.storefront.search(body.term);
    // The store's own trimming may leave nothing (a term of characters its search ignores).
    return search.term
      ? submittedSearch(search, { profile, viewId: body.viewId, at })
      : bad('term', 'The term is empty once trimmed; send the words searched for.');
  }
  const found = await deps.storefront.cart(body.cartId, body.revision);
  if (!found) return bad('revision', 'This cart has no such revision.');
  if (body.metric === METRICS.startedCheckout) {
    return found.cart.lines.length
      ? startedCheckout(found.cart, { profile, at })
      : bad('cartId', 'The cart is empty.');
  }
  return found.added
    ? addedToCart(found.cart, found.added, { profile, at })
    : bad('revision', 'That change added nothing.');
}

/**
 * Relays a browser event past ad blockers: the body names a metric from BROWSER_METRICS and the ids
 * involved; the event is rebuilt with the same builders (and so the same unique_id) as the browser
 * uses, for the shopper the cookies identify (`eventIdentity`). Nothing is sent, with a 202 saying
 * why, while the shopper has not granted tracking (`reason: 'no-consent'`, checked here as well as in
 * the browser) or when the cookies name nobody (`reason: 'anonymous'`: Klaviyo has no profile to put
 * the event on). A malformed body is still a 400 first, so a broken caller learns of it either way.
 * A shopper reporting more new page views (product, collection and search pages together) than
 * VIEW_LIMIT allows gets a 429 naming `viewId`.
 */
export async function trackBrowserEvent(
  deps: RelayContext,
  body: unknown,
  caller: Caller,
  rateToll: Toll,
): Promise<RelayResult> {
  if (typeof body !== 'object' || body === null || Array.isArray(body))
    return bad('body', 'Send a JSON object.');
  const metric: unknown = (body as { metric?: unknown }).metric;
  if (!BROWSER_METRICS.some((m) => m === metric)) {
    const named = typeof metric === 'string' ? `'${metric.slice(0, 60)}'` : 'A missing metric';
    return bad('metric', `${named} is not a browser metric; send one of ${BROWSER_METRICS.join(', ')}.`);
  }
  const parsed = trackBody.safeParse(body);
  if (!parsed.success) return { status: 400, error: fieldErrorOf(parsed.error) };
  const identity = eventIdentity(caller);
  const now = deps.now();
  const event: TrackEvent | RelayResult = await rebuild(
    deps,
    parsed.data,
    identity,
    new Date(now).toISOString(),
  );
  if ('status' in event) return event;
  if (!caller.consented) return { status: 202, body: { accepted: false, reason: 'no-consent' } };
  if (!isIdentified(identity)) return { status: 202, body: { accepted: false, reason: 'anonymous' } };
  const message = eventMessage(event);
  // The route's per-address token, then for a page view the shopper's: the browser chooses viewId,
  // so each new one is a new event, and new views are counted per shopper (view-limit.ts); a repeat of
  // a view already stored goes on and is stored once. Both are taken with the write (relay/writes.ts).
  const views = PAGE_VIEWS.includes(parsed.data.metric) ? viewToll(identity) : undefined;
  const result = await deps.writes.enqueuePaying([message], views ? [rateToll, views] : [rateToll]);
  if ('refused' in result) return result.refused;
  const { enqueued } = result;
  deps.scheduleDelivery();
  return { status: 202, body: { accepted: true, uniqueId: event.uniqueId, enqueued } };
}
