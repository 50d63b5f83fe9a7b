import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RateLimiter } from '../../lib/klaviyo-next/http/rate-limit.js';
import { relayRoutes } from '../../lib/klaviyo-next/relay/routes.js';
import { VIEW_LIMIT } from '../../lib/klaviyo-next/relay/view-limit.js';
import type { SqlDatabase } from '../../lib/klaviyo-next/sql/types.js';
import { SHOPPER_SESSION_COOKIE } from '../../lib/store/shopper-session.js';
import { dropPostgres, freshPostgres } from '../support/databases.js';
import {
  TRACKING_GRANTED as GRANTED,
  klaviyoCookie,
  relayRequest,
  type TestRelayDeps,
  testRelayDeps,
  verifiedShopperSession,
  withRelayRoutes,
} from '../support/relay-fixtures.js';
import { describeWithPostgres } from '../support/requirements.js';
import { cartWith, countRows } from '../support/store-fixtures.js';

/**
 * The track route's `viewId` is the browser's choice and becomes the event's unique_id, so a script
 * could report a new Viewed Product on every request. New views are counted per shopper identity
 * (relay/view-limit.ts), beside the per-address limit every relay route has. Played here by a
 * script rotating view ids, rotating its address, inventing cookies, and racing itself.
 */
let db: SqlDatabase;
let deps: TestRelayDeps;
const { track: POST } = withRelayRoutes((fresh) => {
  deps = fresh;
  db = fresh.db;
});

const view = (viewId: string, variantId = 'wool-overshirt-m') => ({
  metric: 'Viewed Product',
  variantId,
  viewId,
});
const browser = (exchangeToken: string) => ({
  __kla_id: klaviyoCookie(`${exchangeToken}.DEMO01`),
  ...GRANTED,
});
const track = (body: unknown, cookies: Record<string, string>, ip?: string) =>
  POST(relayRequest('/api/klaviyo/track', body, { cookies, ...(ip ? { ip } : {}) }));

/** A fresh minute-long window for the next test: every bucket is full again. */
const nextHour = () => {
  deps.limiterClock.ms += 3_600_000;
};

describe('new page views per shopper', () => {
  it('one client rotating view ids: a burst of 60, then 20 a minute, each refusal a 429 naming viewId with Retry-After', async () => {
    nextHour();
    const attacker = browser('rotator');
    const ip = '192.0.2.10';
    const before = await countRows(db, 'klaviyo_outbox');
    let accepted = 0;
    let refused:
      | { status: number; retryAfter: string | null; body: { error?: { field?: string } } }
      | undefined;
    // Ten minutes of a script sending 60 requests a minute (the address's own allowance) with new view ids.
    for (let minute = 0; minute < 10; minute++) {
      for (let n = 0; n < 60; n++) {
        const response = await track(view(`rot-${minute}-${n}-xx`), attacker, ip);
        if (response.status === 202) accepted++;
        else
          refused ??= {
            status: response.status,
            retryAfter: response.headers.get('retry-after'),
            body: await response.json(),
          };
      }
      deps.limiterClock.ms += 60_000;
    }
    // The address alone would have let all 600 through.
    expect(accepted).toBeLessThanOrEqual(VIEW_LIMIT.capacity + 10 * VIEW_LIMIT.perMinute);
    expect(accepted).toBeGreaterThanOrEqual(VIEW_LIMIT.capacity + 9 * VIEW_LIMIT.perMinute);
    expect(refused?.status).toBe(429);
    expect(refused?.body.error).toMatchObject({
      field: 'viewId',
      message: expect.stringContaining('Too many'),
    });
    expect(Number(refused?.retryAfter)).toBeGreaterThanOrEqual(1);
    expect(await countRows(db, 'klaviyo_outbox')).toBe(before + accepted);
  });

  it('a repeat of a stored view stays a harmless duplicate, even for a throttled shopper: 202, nothing stored', async () => {
    nextHour();
    const shopper = browser('repeater');
    expect((await track(view('repeat-first'), shopper)).status).toBe(202);
    for (let n = 0; n < VIEW_LIMIT.capacity; n++) await track(view(`repeat-fill-${n}`), shopper);
    expect((await track(view('repeat-new-one'), shopper)).status).toBe(429);
    const before = await countRows(db, 'klaviyo_outbox');
    for (let n = 0; n < 5; n++) {
      const response = await track(view('repeat-first'), shopper);
      expect(response.status).toBe(202);
      expect(await response.json()).toMatchObject({ accepted: true, enqueued: 0 });
    }
    expect(await countRows(db, 'klaviyo_outbox')).toBe(before);
  });

  it('one identity from a new address every request (a botnet, or X-Forwarded-For rotated past the proxy): still 60', async () => {
    nextHour();
    const attacker = browser('botnet');
    const before = await countRows(db, 'klaviyo_outbox');
    const statuses: number[] = [];
    for (let n = 0; n < 300; n++) {
      // The entry the trusted proxy appended differs each time, so the per-address limit never binds.
      const ip = `198.51.100.${n % 250}, 203.0.${Math.floor(n / 250)}.${n % 250}`;
      statuses.push((await track(view(`botnet-${n}-xx`), attacker, ip)).status);
    }
    const accepted = statuses.filter((s) => s === 202).length;
    expect(accepted).toBe(VIEW_LIMIT.capacity);
    expect(statuses.filter((s) => s === 429)).toHaveLength(300 - VIEW_LIMIT.capacity);
    expect(await countRows(db, 'klaviyo_outbox')).toBe(before + accepted);
  });

  it('a made-up cookie on every request from one address: a new identity each time, and the address limit stops it', async () => {
    nextHour();
    const ip = '192.0.2.20';
    const statuses: number[] = [];
    for (let n = 0; n < 200; n++)
      statuses.push((await track(view(`made-up-${n}-x`), browser(`fake${n}`), ip)).status);
    // TRACK_LIMIT: 60 a minute per address, whatever the cookies say.
    expect(statuses.filter((s) => s === 202)).toHaveLength(60);
    const refusal = await track(view('made-up-last'), browser('fake-last'), ip);
    expect(refusal.status).toBe(429);
    expect(await refusal.json()).toEqual({ error: { message: 'Too many requests; try again later.' } });
  });

  it('another shopper is not throttled by an attacker’s flood, nor is a shopper signed in beside it', async () => {
    nextHour();
    const attacker = browser('flooder');
    for (let n = 0; n < VIEW_LIMIT.capacity + 20; n++)
      await track(view(`flood-${n}-xx`), attacker, `203.0.113.${n % 250}`);
    expect((await track(view('flood-more'), attacker, '203.0.113.1')).status).toBe(429);
    // Another browser, from an address the attacker used too.
    const other = await track(view('other-shopper-view'), browser('bystander'), '203.0.113.1');
    expect(other.status).toBe(202);
    // A signed-in shopper: counted by her verified email, not by any cookie the attacker writes.
    const token = await verifiedShopperSession(deps, 'ada@example.com');
    const signedIn = {
      [SHOPPER_SESSION_COOKIE]: token,
      __kla_id: klaviyoCookie('flooder.DEMO01'),
      ...GRANTED,
    };
    expect((await track(view('ada-view-0001'), signedIn, '203.0.113.2')).status).toBe(202);
  });

  it('Added to Cart is not counted as a page view (its ids are the store’s, not the browser’s)', async () => {
    nextHour();
    const shopper = browser('views-then-cart');
    for (let n = 0; n < VIEW_LIMIT.capacity; n++) await track(view(`vc-${n}-xxxx`), shopper, `192.0.2.${n}`);
    expect((await track(view('vc-over-xxxx'), shopper, '192.0.2.99')).status).toBe(429);
    const cartId = await cartWith(deps.store, [['linen-button-down-m', 1]]);
    const added = await track({ metric: 'Added to Cart', cartId, revision: 1 }, shopper);
    expect(added.status).toBe(202);
    expect(await added.json()).toMatchObject({ accepted: true, enqueued: 1 });
  });

  it('interleaving: 120 new views of one shopper at once from 120 addresses store exactly 60', async () => {
    nextHour();
    const shopper = browser('racer');
    const before = await countRows(db, 'klaviyo_outbox');
    const answers = await Promise.all(
      Array.from({ length: 120 }, (_, n) => track(view(`race-${n}-xxxx`), shopper, `198.18.0.${n}`)),
    );
    expect(answers.filter((r) => r.status === 202)).toHaveLength(VIEW_LIMIT.capacity);
    expect(await countRows(db, 'klaviyo_outbox')).toBe(before + VIEW_LIMIT.capacity);
  });
});

describeWithPostgres('new page views per shopper, two app instances on one Postgres', () => {
  let pg: Awaited<ReturnType<typeof freshPostgres>>;
  let instances: ReturnType<typeof relayRoutes>[];
  const clock = { ms: 0 };
  beforeAll(async () => {
    pg = await freshPostgres();
    instances = [0, 1].map(() => {
      const own = testRelayDeps(pg);
      // Each instance has its own limiter object; the buckets are the database's.
      return relayRoutes({ ...own, limiter: new RateLimiter(pg, () => clock.ms) });
    });
  });
  afterAll(async () => {
    await dropPostgres(pg);
  });

  it('one shopper’s new views sent to both instances at once, with repeats among them: 60 stored, repeats answered 202', async () => {
    const shopper = browser('two-instances');
    const requests = Array.from({ length: 160 }, (_, n) => {
      // Every fourth request repeats the view before it (a browser retrying).
      const id = n % 4 === 3 ? n - 1 : n;
      const routes = instances[n % 2];
      if (!routes) throw new Error('two instances');
      return routes.track.POST(
        relayRequest('/api/klaviyo/track', view(`pg-race-${id}-xxxx`), {
          cookies: shopper,
          ip: `198.18.1.${n}`,
        }),
      );
    });
    const answers = await Promise.all(requests);
    const stored = await countRows(pg, 'klaviyo_outbox');
    // Each new view took one token at most; a repeat racing its original may have taken one too.
    expect(stored).toBeLessThanOrEqual(VIEW_LIMIT.capacity);
    expect(stored).toBeGreaterThanOrEqual(VIEW_LIMIT.capacity - 40);
    expect(answers.every((r) => r.status === 202 || r.status === 429)).toBe(true);
    // Every view stored is stored once, whichever instance or request got there.
    expect(answers.filter((r) => r.status === 202).length).toBeGreaterThanOrEqual(stored);
  });
});
