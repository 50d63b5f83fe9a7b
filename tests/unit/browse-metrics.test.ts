import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { submittedSearch, viewedCollection } from '../../lib/klaviyo-next/events/browse';
import { BROWSER_METRICS, METRICS } from '../../lib/klaviyo-next/events/metrics';
import { onsiteProperties } from '../../lib/klaviyo-next/onsite/events';
import { eventMessage, laneOf } from '../../lib/klaviyo-next/outbox/types';
import type { SqlDatabase } from '../../lib/klaviyo-next/sql/types';
import { collectionSnapshot, demoStorefront, storeSearch } from '../../lib/store/storefront';
import { freshSqlite } from '../support/databases';

const storeUrl = 'https://shop.test';
// The store's catalogue is its shipped data with the merchant's changes, kept in its database.
let db: SqlDatabase;
let storefront: ReturnType<typeof demoStorefront>;
beforeAll(async () => {
  db = await freshSqlite();
  storefront = demoStorefront({ db, now: () => 0, storeUrl });
});
afterAll(async () => db.close());
const searchSnapshot = async (typed: string) => (await storeSearch({ db, storeUrl }, typed)).search;
const browser = { profile: {}, viewId: 'view-0001', at: '2026-07-15T10:00:00.000Z' };
const server = { profile: { _kx: 'tok.DEMO01' }, viewId: 'view-0001', at: '2026-07-15T10:00:02.000Z' };

/** What klaviyo.js is given, back in the server builder's terms: properties and the unique_id. */
const asSentByBrowser = (properties: Record<string, unknown>) => {
  const { $event_id, ...rest } = properties;
  return { uniqueId: $event_id, properties: rest };
};

describe('Viewed Collection', () => {
  it('the browser (from the page’s snapshot) and the relay (from the handle) build the same event', async () => {
    const page = collectionSnapshot('bed-bath', storeUrl);
    const relayed = await storefront.collection?.('bed-bath');
    expect(page).toBeDefined();
    expect(relayed).toEqual(page);
    if (!page || !relayed) return;
    const sent = asSentByBrowser(onsiteProperties(viewedCollection(page, browser)));
    const stored = viewedCollection(relayed, server);
    expect(sent).toEqual({ uniqueId: stored.uniqueId, properties: stored.properties });
    expect(stored).toMatchObject({
      metric: 'Viewed Collection',
      uniqueId: 'viewed-collection:bed-bath:view-0001',
      properties: {
        CollectionID: 'bed-bath',
        CollectionHandle: 'bed-bath',
        CollectionName: 'Bed & Bath',
        URL: 'https://shop.test/collections/bed-bath',
      },
    });
    expect(stored).not.toHaveProperty('value');
  });

  it('is one event per collection and page view: same view, same id; a new view or collection, a new one', () => {
    const tops = collectionSnapshot('tops', storeUrl);
    const all = collectionSnapshot('all', storeUrl);
    if (!tops || !all) throw new Error('demo collections');
    expect(viewedCollection(tops, browser).uniqueId).toBe(viewedCollection(tops, server).uniqueId);
    expect(viewedCollection(tops, { ...browser, viewId: 'view-0002' }).uniqueId).not.toBe(
      viewedCollection(tops, browser).uniqueId,
    );
    expect(viewedCollection(all, browser).uniqueId).not.toBe(viewedCollection(tops, browser).uniqueId);
    expect(all.name).toBe('All products');
  });

  it('an unknown handle is no collection', async () => {
    expect(collectionSnapshot('nope', storeUrl)).toBeUndefined();
    expect(await storefront.collection?.('../tops')).toBeUndefined();
  });
});

describe('Submitted Search', () => {
  it('the browser and the relay build the same event, with the count the store’s search found', async () => {
    const page = await searchSnapshot('  linen  ');
    const relayed = await storefront.search?.('linen');
    expect(relayed).toEqual(page);
    if (!relayed) return;
    const sent = asSentByBrowser(onsiteProperties(submittedSearch(page, browser)));
    const stored = submittedSearch(relayed, server);
    expect(sent).toEqual({ uniqueId: stored.uniqueId, properties: stored.properties });
    expect(stored).toMatchObject({
      metric: 'Submitted Search',
      uniqueId: 'submitted-search:view-0001',
      properties: { SearchTerm: 'linen', URL: 'https://shop.test/search?q=linen' },
    });
    expect(stored.properties.ResultCount).toBeGreaterThan(1);
  });

  it('counts nothing found as 0, keeps the term the page keeps (100 characters), and escapes it in the URL', async () => {
    expect(await searchSnapshot('zzzz no such thing')).toEqual({
      term: 'zzzz no such thing',
      resultCount: 0,
      url: 'https://shop.test/search?q=zzzz%20no%20such%20thing',
    });
    const long = await searchSnapshot(`${'a'.repeat(150)}&x`);
    expect(long.term).toHaveLength(100);
    expect((await searchSnapshot('mugs & more')).url).toBe('https://shop.test/search?q=mugs%20%26%20more');
  });
});

describe('lanes', () => {
  it('both are browser metrics, delivered in the browsing lane behind the store’s own events', async () => {
    expect(BROWSER_METRICS).toEqual(
      expect.arrayContaining([METRICS.viewedCollection, METRICS.submittedSearch]),
    );
    const page = await searchSnapshot('merino');
    expect(laneOf(eventMessage(submittedSearch(page, server)))).toBe(1);
  });
});
