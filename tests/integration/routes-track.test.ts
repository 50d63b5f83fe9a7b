import { raw } from 'sql-template-tag';
import { describe, expect, it } from 'vitest';
import type { TrackEvent } from '../../lib/klaviyo-next/events/event.js';
import type { SqlDatabase } from '../../lib/klaviyo-next/sql/types.js';
import { removeFromCart } from '../../lib/store/cart.js';
import { SHOPPER_SESSION_COOKIE } from '../../lib/store/shopper-session.js';
import {
  expectStored,
  TRACKING_GRANTED as GRANTED,
  klaviyoCookie,
  relayRequest,
  type testRelayDeps,
  verifiedShopperSession,
  withRelayRoutes,
} from '../support/relay-fixtures.js';
import { cartWith, outboxMessages } from '../support/store-fixtures.js';

let db: SqlDatabase;
let deps: ReturnType<typeof testRelayDeps>;
const stored = (request: Promise<Response>, status: number, count: number) =>
  expectStored(db, request, status, count);

const { track: POST } = withRelayRoutes((fresh) => {
  deps = fresh;
  db = fresh.db;
});

// The shopper accepted tracking; without that the relay sends nothing (relay-entitlement.test.ts).
const KLA = { __kla_id: klaviyoCookie('t0k3n.DEMO01'), ...GRANTED };
const viewed = { metric: 'Viewed Product', variantId: 'wool-overshirt-m', viewId: 'view-0001' };
const track = (body: unknown, options: Parameters<typeof relayRequest>[2] = {}) =>
  POST(relayRequest('/api/klaviyo/track', body, { cookies: KLA, ...options }));

const lastEvent = async () => (await outboxMessages(db)).at(-1)?.payload as TrackEvent;

describe('POST /api/klaviyo/track', () => {
  it('rebuilds Viewed Product from the catalog for the cookie’s exchange id', async () => {
    const { body } = await stored(track({ ...viewed, viewId: 'view-rebuild' }), 202, 1);
    expect(body).toMatchObject({
      accepted: true,
      enqueued: 1,
      uniqueId: 'viewed-product:wool-overshirt-m:view-rebuild',
    });
    expect(await lastEvent()).toMatchObject({
      metric: 'Viewed Product',
      profile: { _kx: 't0k3n.DEMO01' },
      properties: {
        ProductID: 'wool-overshirt',
        Price: 145,
        URL: 'https://shop.test/products/wool-overshirt',
      },
    });
    await stored(track({ ...viewed, viewId: 'view-rebuild' }), 202, 0); // the same fact is stored once
  });

  it('names the shopper from the session cookie, never from the body', async () => {
    // A signed-in shopper whose email the store verified (a guest checkout's session names nobody).
    const token = await verifiedShopperSession(deps, 'grace@example.com');
    const session = { [SHOPPER_SESSION_COOKIE]: token, ...GRANTED };
    await stored(track({ ...viewed, viewId: 'view-session' }, { cookies: session }), 202, 1);
    expect((await lastEvent()).profile).toEqual({ email: 'grace@example.com' });
    const { body } = await stored(track({ ...viewed, email: 'victim@example.com' }), 400, 0);
    expect(body.error).toEqual({ field: 'email', message: 'email is not accepted here.' });
  });

  it('rebuilds Added to Cart and Started Checkout from the cart, with the browser’s unique ids', async () => {
    const cartId = await cartWith(deps.store, [
      ['linen-button-down-m', 1],
      ['wool-blend-scarf-navy', 2],
    ]);
    await stored(track({ metric: 'Added to Cart', cartId, revision: 2 }), 202, 1);
    expect(await lastEvent()).toMatchObject({
      uniqueId: `added-to-cart:${cartId}:2`,
      value: 206,
      properties: {
        AddedItemSKU: 'SCF-NAVY',
        AddedItemQuantity: 2,
        AddedItemPrice: 64,
        CheckoutURL: `https://shop.test/cart?restore=${cartId}`,
      },
    });
    await stored(track({ metric: 'Started Checkout', cartId, revision: 2 }), 202, 1);
    expect((await lastEvent()).uniqueId).toBe(`started-checkout:${cartId}:2`);
    await removeFromCart(deps.store, { cartId, variantId: 'linen-button-down-m' });
    const removal = await stored(track({ metric: 'Added to Cart', cartId, revision: 3 }), 400, 0);
    expect(removal.body.error).toEqual({ field: 'revision', message: 'That change added nothing.' });
    await stored(track({ metric: 'Added to Cart', cartId, revision: 4 }), 400, 0);
    await stored(track({ metric: 'Started Checkout', cartId: crypto.randomUUID(), revision: 1 }), 400, 0);
  });

  it('sends nothing for an anonymous browser, or one identified to another Klaviyo account', async () => {
    const anonymous = await stored(track(viewed, { cookies: GRANTED }), 202, 0);
    expect(anonymous.body).toEqual({ accepted: false, reason: 'anonymous' });
    await stored(track(viewed, { cookies: { __kla_id: klaviyoCookie('t0k3n.OTHER1'), ...GRANTED } }), 202, 0);
    for (const junk of ['garbage', '%E0%A4%A', '']) {
      const cookies = { __kla_id: junk, [SHOPPER_SESSION_COOKIE]: junk, ...GRANTED };
      expect((await stored(track(viewed, { cookies }), 202, 0)).body).toEqual(anonymous.body);
    }
  });

  it('refuses metrics the browser may not send, naming them', async () => {
    for (const metric of ['Placed Order', 'Refunded Order', 'Active on Site', 42, undefined]) {
      const { body } = await stored(track({ ...viewed, metric }), 400, 0);
      expect(body.error).toMatchObject({ field: 'metric' });
      if (typeof metric === 'string')
        expect((body.error as { message: string }).message).toContain(`'${metric}'`);
    }
  });

  it('refuses malformed bodies by field', async () => {
    const cases: [unknown, string][] = [
      [{ ...viewed, variantId: 'no-such-variant' }, 'variantId'],
      [{ ...viewed, variantId: 'denim-work-short-30' }, 'variantId'],
      [{ ...viewed, viewId: 'x' }, 'viewId'],
      [{ ...viewed, properties: { $value: 1e9 } }, 'properties'],
      [{ metric: 'Added to Cart', cartId: 'cart-1', revision: 1 }, 'cartId'],
      [{ metric: 'Added to Cart', cartId: crypto.randomUUID(), revision: '1' }, 'revision'],
      [[viewed], 'body'],
      ['Viewed Product', 'body'],
    ];
    for (const [body, field] of cases) {
      const result = await stored(track(body), 400, 0);
      expect(result.body.error, JSON.stringify(body)).toMatchObject({ field });
    }
    const notJson = await stored(track(undefined, { raw: '{"metric":' }), 400, 0);
    expect(notJson.body.error).toEqual({ field: 'body', message: 'The body is not valid JSON.' });
  });

  it('loses nothing when storing fails half-way: a retry of the same event is stored, not taken for a duplicate', async () => {
    // The outbox refuses this one row (a full disk, a constraint), after the key's hash was claimed.
    await db.query(
      raw(`CREATE TRIGGER refuse_once BEFORE INSERT ON klaviyo_outbox
        WHEN NEW.dedup_key = 'event:viewed-product:wool-overshirt-m:view-halfway'
        BEGIN SELECT RAISE(ABORT, 'disk full'); END`),
    );
    await expect(track({ ...viewed, viewId: 'view-halfway' })).rejects.toThrow('disk full');
    await db.query(raw('DROP TRIGGER refuse_once'));
    const { body } = await stored(track({ ...viewed, viewId: 'view-halfway' }), 202, 1);
    expect(body).toMatchObject({ accepted: true, enqueued: 1 });
  });

  it('refuses other origins with 403', async () => {
    for (const origin of ['https://evil.test', 'null', null, 'https://shop.test.evil.test']) {
      const { body } = await stored(track(viewed, { origin }), 403, 0);
      expect(body.error).toMatchObject({ field: 'origin' });
    }
  });

  it('refuses bodies over 16 KB with 413, whatever Content-Length says', async () => {
    const huge = JSON.stringify({ ...viewed, padding: 'x'.repeat(17_000) });
    await stored(track(undefined, { raw: huge }), 413, 0);
    const stream = new Blob([huge]).stream(); // chunked: no Content-Length to go by
    const { body } = await stored(track(undefined, { raw: stream }), 413, 0);
    expect(body.error).toMatchObject({ field: 'body' });
  });

  it('allows 60 events a minute per client, then 429 with Retry-After', async () => {
    const ip = '192.0.2.60';
    // A browser of its own for each request, so the limit met here is the address's, not the
    // shopper's new page views (relay-view-limit-attack.test.ts).
    const browser = (n: string) => ({
      ip,
      cookies: { __kla_id: klaviyoCookie(`burst${n}.DEMO01`), ...GRANTED },
    });
    for (let i = 0; i < 60; i++)
      expect((await track({ ...viewed, viewId: `burst-${i}x` }, browser(`${i}`))).status).toBe(202);
    const { response, body } = await stored(track({ ...viewed, viewId: 'burst-over' }, browser('o')), 429, 0);
    expect(Number(response.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
    expect(body.error).toMatchObject({ message: expect.stringContaining('Too many') });
    expect((await track(viewed, { ip: '192.0.2.61' })).status).toBe(202); // other clients are not affected
    deps.limiterClock.ms += 1000; // one token back a second later
    expect((await track({ ...viewed, viewId: 'burst-later' }, browser('l'))).status).toBe(202);
    expect((await track({ ...viewed, viewId: 'burst-later2' }, browser('m'))).status).toBe(429);
  });

  it('interleaving: 100 requests from one address at once store exactly the 60 the limit allows', async () => {
    const ip = '192.0.2.62';
    const browser = (n: number) => ({
      ip,
      cookies: { __kla_id: klaviyoCookie(`race${n}.DEMO01`), ...GRANTED },
    });
    const before = (await outboxMessages(db)).length;
    const answers = await Promise.all(
      Array.from({ length: 100 }, (_, i) => track({ ...viewed, viewId: `race-view-${i}` }, browser(i))),
    );
    const statuses = answers.map((r) => r.status);
    expect(statuses.filter((s) => s === 202)).toHaveLength(60);
    expect(statuses.filter((s) => s === 429)).toHaveLength(40);
    // Each 202 stored its event; no 429 stored anything.
    expect((await outboxMessages(db)).length - before).toBe(60);
  });

  it('a request that stores nothing costs the address no token: no consent, nobody, a bad body', async () => {
    const ip = '192.0.2.63';
    for (let i = 0; i < 80; i++) {
      expect((await track({ ...viewed, viewId: `free-${i}xx` }, { ip, cookies: {} })).status).toBe(202);
      expect((await track({ metric: 'Viewed Product' }, { ip })).status).toBe(400);
    }
    // The 60 the address may store are all still there.
    const browser = (n: number) => ({
      ip,
      cookies: { __kla_id: klaviyoCookie(`free${n}.DEMO01`), ...GRANTED },
    });
    for (let i = 0; i < 60; i++)
      expect((await track({ ...viewed, viewId: `paid-${i}xx` }, browser(i))).status).toBe(202);
    expect((await track({ ...viewed, viewId: 'paid-over' }, browser(61))).status).toBe(429);
  });
});
