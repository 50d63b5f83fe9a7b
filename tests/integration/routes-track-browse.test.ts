import { describe, expect, it } from 'vitest';
import type { TrackEvent } from '../../lib/klaviyo-next/events/event.js';
import { submittedSearch, viewedCollection } from '../../lib/klaviyo-next/events/index.js';
import { relayRoutes } from '../../lib/klaviyo-next/relay/routes.js';
import { SEARCH_TERM_MAX } from '../../lib/klaviyo-next/relay/track.js';
import { VIEW_LIMIT } from '../../lib/klaviyo-next/relay/view-limit.js';
import type { SqlDatabase } from '../../lib/klaviyo-next/sql/types.js';
import { setProductPublished } from '../../lib/store/products/changes.js';
import { SHOPPER_SESSION_COOKIE } from '../../lib/store/shopper-session.js';
import { collectionSnapshot, storeSearch } from '../../lib/store/storefront.js';
import {
  expectStored,
  TRACKING_GRANTED as GRANTED,
  klaviyoCookie,
  relayRequest,
  type TestRelayDeps,
  testRelayDeps,
  verifiedShopperSession,
  withRelayRoutes,
} from '../support/relay-fixtures.js';
import { countRows, onBothDatabases, outboxMessages } from '../support/store-fixtures.js';

/**
 * Viewed Collection and Submitted Search through the track relay: the browser names a collection
 * by its handle or sends the words it searched for, and the server builds the rest (name, URL, how
 * many products the search finds) from the store. Played against by a caller who is not the
 * shopper, replays, rotated addresses and a flood of page views.
 */
let db: SqlDatabase;
let deps: TestRelayDeps;
const { track: POST } = withRelayRoutes((fresh) => {
  deps = fresh;
  db = fresh.db;
});

const browser = (token: string) => ({ __kla_id: klaviyoCookie(`${token}.DEMO01`), ...GRANTED });
const track = (body: unknown, cookies: Record<string, string>, ip?: string) =>
  POST(relayRequest('/api/klaviyo/track', body, { cookies, ...(ip ? { ip } : {}) }));
const stored = (request: Promise<Response>, status: number, count: number) =>
  expectStored(db, request, status, count);
const collection = (handle: string, viewId: string) => ({
  metric: 'Viewed Collection',
  collection: handle,
  viewId,
});
const search = (term: string, viewId: string) => ({ metric: 'Submitted Search', term, viewId });
const lastEvent = async () => (await outboxMessages(db)).at(-1)?.payload as TrackEvent;
const nextHour = () => {
  deps.limiterClock.ms += 3_600_000;
};

describe('Viewed Collection and Submitted Search through the relay', () => {
  it('rebuilds Viewed Collection from the handle: the event the browser built from the page, for the cookie’s shopper', async () => {
    const { body } = await stored(track(collection('outerwear', 'coll-view-1'), browser('alice')), 202, 1);
    expect(body).toMatchObject({
      accepted: true,
      enqueued: 1,
      uniqueId: 'viewed-collection:outerwear:coll-view-1',
    });
    const event = await lastEvent();
    const page = collectionSnapshot('outerwear', deps.store.storeUrl);
    if (!page) throw new Error('demo collection');
    const fromBrowser = viewedCollection(page, { profile: {}, viewId: 'coll-view-1', at: event.time });
    expect(event).toEqual({ ...fromBrowser, profile: { _kx: 'alice.DEMO01' } });
    expect(event.properties).toEqual({
      CollectionID: 'outerwear',
      CollectionHandle: 'outerwear',
      CollectionName: 'Outerwear',
      URL: `${deps.store.storeUrl}/collections/outerwear`,
    });
  });

  it('rebuilds Submitted Search from the term: the store runs the search and counts what it found', async () => {
    await stored(track(search('  merino  ', 'search-view-1'), browser('alice')), 202, 1);
    const event = await lastEvent();
    const { search: page } = await storeSearch(deps.store, 'merino');
    expect(page.resultCount).toBeGreaterThan(0);
    expect(event).toEqual({
      ...submittedSearch(page, { profile: {}, viewId: 'search-view-1', at: event.time }),
      profile: { _kx: 'alice.DEMO01' },
    });
    await stored(track(search('no such thing at all', 'search-view-2'), browser('alice')), 202, 1);
    expect((await lastEvent()).properties).toMatchObject({
      SearchTerm: 'no such thing at all',
      ResultCount: 0,
    });
  });

  it('counts over the catalogue as it is now: a product the merchant unpublished is not found', async () => {
    const alice = browser('alice');
    await stored(track(search('linen', 'catalogue-view-1'), alice), 202, 1);
    const before = (await lastEvent()).properties.ResultCount as number;
    const unpublished = await setProductPublished(deps.store, {
      productId: 'linen-napkins',
      published: false,
    });
    expect(unpublished.ok).toBe(true);
    try {
      await stored(track(search('linen', 'catalogue-view-2'), alice), 202, 1);
      expect((await lastEvent()).properties.ResultCount).toBe(before - 1);
    } finally {
      await setProductPublished(deps.store, { productId: 'linen-napkins', published: true });
    }
  });

  it('takes no name, count, URL or identity from the body: each is refused by name, nothing stored', async () => {
    const alice = browser('alice');
    for (const [extra, field] of [
      [{ name: 'Free stuff' }, 'name'],
      [{ CollectionName: 'Free stuff' }, 'CollectionName'],
      [{ URL: 'https://evil.test' }, 'URL'],
      [{ email: 'victim@example.com' }, 'email'],
      [{ _kx: 'victim.DEMO01' }, '_kx'],
    ] as const) {
      const { body } = await stored(track({ ...collection('tops', 'extra-view'), ...extra }, alice), 400, 0);
      expect(body.error?.message).toContain(field);
    }
    const { body } = await stored(
      track({ ...search('linen', 'extra-view'), resultCount: 999 }, alice),
      400,
      0,
    );
    expect(body.error?.message).toContain('resultCount');
  });

  it('refuses an unknown collection, an empty or over-long term and a bad view id, naming the field', async () => {
    const alice = browser('alice');
    const refusal = async (body: unknown) => (await stored(track(body, alice), 400, 0)).body.error;
    expect(await refusal(collection('no-such-collection', 'bad-1-view'))).toMatchObject({
      field: 'collection',
      message: 'No such collection.',
    });
    expect(await refusal(collection('', 'bad-2-view'))).toMatchObject({ field: 'collection' });
    expect(await refusal(search('', 'bad-3-view'))).toMatchObject({ field: 'term' });
    expect(await refusal(search('   ', 'bad-4-view'))).toMatchObject({
      field: 'term',
      message: expect.stringContaining('empty'),
    });
    expect(await refusal(search('a'.repeat(SEARCH_TERM_MAX + 1), 'bad-5-view'))).toMatchObject({
      field: 'term',
      message: expect.stringContaining(`${SEARCH_TERM_MAX}`),
    });
    expect(await refusal(search('linen', 'short'))).toMatchObject({ field: 'viewId' });
    expect(await refusal({ metric: 'Submitted Search', viewId: 'bad-6-view' })).toMatchObject({
      field: 'term',
    });
    expect(await refusal({ metric: 'Viewed Collection', term: 'x', viewId: 'bad-7-view' })).toMatchObject({
      field: 'collection',
    });
  });

  it('sends nothing without tracking consent, or for a browser that names nobody', async () => {
    const noConsent = { __kla_id: klaviyoCookie('alice.DEMO01') };
    const answer = await stored(track(search('linen', 'consent-view'), noConsent), 202, 0);
    expect(answer.body).toEqual({ accepted: false, reason: 'no-consent' });
    const otherAccount = { __kla_id: klaviyoCookie('alice.OTHER1'), ...GRANTED };
    const anonymous = await stored(track(collection('tops', 'anon-view-1'), otherAccount), 202, 0);
    expect(anonymous.body).toEqual({ accepted: false, reason: 'anonymous' });
  });

  it('another shopper’s cookie cannot be borrowed by a signed-in one: the event goes to the verified email only', async () => {
    const token = await verifiedShopperSession(deps, 'lin@example.com');
    const cookies = { [SHOPPER_SESSION_COOKIE]: token, __kla_id: klaviyoCookie('victim.DEMO01'), ...GRANTED };
    await stored(track(search('linen', 'signed-in-view'), cookies), 202, 1);
    expect((await lastEvent()).profile).toEqual({ email: 'lin@example.com' });
    // A made-up session token names nobody, and the body cannot name anyone either.
    const forged = { [SHOPPER_SESSION_COOKIE]: 'not-a-session', ...GRANTED };
    const { body } = await stored(track(collection('tops', 'forged-view'), forged), 202, 0);
    expect(body).toEqual({ accepted: false, reason: 'anonymous' });
  });

  it('a replayed body is stored once, answered 202 each time', async () => {
    const alice = browser('alice');
    await stored(track(collection('tops', 'replayed-view'), alice), 202, 1);
    await stored(track(search('linen', 'replayed-view'), alice), 202, 1);
    for (let n = 0; n < 3; n++) {
      const again = await stored(
        track(collection('tops', 'replayed-view'), alice, `198.51.100.${n}`),
        202,
        0,
      );
      expect(again.body).toMatchObject({ accepted: true, enqueued: 0 });
      await stored(track(search('linen', 'replayed-view'), alice), 202, 0);
    }
  });

  it('a flood of new collection and search views from one identity over rotated addresses stops at its view limit, product views included', async () => {
    nextHour();
    const flooder = browser('flooder');
    const before = await countRows(db, 'klaviyo_outbox');
    const statuses: number[] = [];
    let refusal: unknown;
    for (let n = 0; n < VIEW_LIMIT.capacity + 30; n++) {
      // X-Forwarded-For rotated: the client's own entry and the proxy's both differ each time.
      const ip = `198.51.100.${n % 250}, 203.0.${Math.floor(n / 250)}.${n % 250}`;
      const body =
        n % 3 === 0
          ? collection('tops', `flood-c-${n}-x`)
          : n % 3 === 1
            ? search(`linen ${n}`, `flood-s-${n}-x`)
            : { metric: 'Viewed Product', variantId: 'wool-overshirt-m', viewId: `flood-p-${n}-x` };
      const response = await track(body, flooder, ip);
      statuses.push(response.status);
      if (response.status === 429)
        refusal ??= { retryAfter: response.headers.get('retry-after'), ...(await response.json()) };
    }
    expect(statuses.filter((s) => s === 202)).toHaveLength(VIEW_LIMIT.capacity);
    expect(refusal).toMatchObject({
      error: { field: 'viewId', message: expect.stringContaining('Too many') },
    });
    expect(await countRows(db, 'klaviyo_outbox')).toBe(before + VIEW_LIMIT.capacity);
    // Another shopper is not held back by it.
    await stored(track(search('linen', 'bystander-view'), browser('bystander'), '198.51.100.1'), 202, 1);
  });

  it('a store whose Storefront has no collection() or search() refuses both, naming the metric', async () => {
    const { collection: _c, search: _s, ...bare } = deps.storefront;
    const routes = relayRoutes({ ...deps, storefront: bare });
    const post = (body: unknown) =>
      routes.track.POST(relayRequest('/api/klaviyo/track', body, { cookies: browser('alice') }));
    for (const body of [collection('tops', 'bare-view-1'), search('linen', 'bare-view-2')]) {
      const { body: answer } = await stored(post(body), 400, 0);
      expect(answer.error).toMatchObject({
        field: 'metric',
        message: expect.stringContaining('does not track'),
      });
    }
  });
});

onBothDatabases('the same page view posted at once', (database) => {
  it('stores one message, and every request is answered 202', async () => {
    const routes = relayRoutes(testRelayDeps(database()));
    const cookies = browser('racer');
    const post = (body: unknown, n: number) =>
      routes.track.POST(relayRequest('/api/klaviyo/track', body, { cookies, ip: `198.18.2.${n}` }));
    const before = await countRows(database(), 'klaviyo_outbox');
    const answers = await Promise.all([
      ...Array.from({ length: 8 }, (_, n) => post(collection('kitchen-table', 'race-coll-view'), n)),
      ...Array.from({ length: 8 }, (_, n) => post(search('stoneware mug', 'race-search-view'), 8 + n)),
    ]);
    expect(answers.map((r) => r.status)).toEqual(Array(16).fill(202));
    const enqueued = await Promise.all(
      answers.map(async (r) => ((await r.json()) as { enqueued: number }).enqueued),
    );
    expect(enqueued.reduce((a, b) => a + b, 0)).toBe(2);
    expect(await countRows(database(), 'klaviyo_outbox')).toBe(before + 2);
  });
});
