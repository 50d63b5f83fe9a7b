import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { POST } from '../../app/api/klaviyo/identify/route.js';
import type { Database } from '../../lib/db/types.js';
import type { ProfileUpdate } from '../../lib/outbox/types.js';
import { overrideRelayDeps } from '../../lib/relay/deps.js';
import { placeOrder } from '../../lib/store/orders/place-order.js';
import { SHOPPER_SESSION_COOKIE } from '../../lib/store/shopper-session.js';
import { freshSqlite } from '../support/databases.js';
import { expectStored, klaviyoCookie, relayRequest, testRelayDeps } from '../support/relay-fixtures.js';
import { cartWith, checkoutForm, outboxMessages } from '../support/store-fixtures.js';

let db: Database;
let deps: ReturnType<typeof testRelayDeps>;
const stored = (request: Promise<Response>, status: number, count: number) =>
  expectStored(db, request, status, count);
let session: Record<string, string>;

beforeAll(async () => {
  db = await freshSqlite();
  deps = testRelayDeps(db);
  overrideRelayDeps(deps);
  const form = checkoutForm(await cartWith(deps.store, [['waffle-bath-towel-sage', 1]]), {
    email: 'ada@example.com',
  });
  const placed = await placeOrder(deps.store, form);
  if (!placed.ok || !placed.data.shopperSession) throw new Error('no session');
  session = { [SHOPPER_SESSION_COOKIE]: placed.data.shopperSession };
});
afterAll(async () => {
  overrideRelayDeps(undefined);
  await db.close();
});

const identify = (body: unknown, options: Parameters<typeof relayRequest>[2] = {}) =>
  POST(relayRequest('/api/klaviyo/identify', body, { cookies: session, ...options }));

describe('POST /api/klaviyo/identify', () => {
  it('writes names, phone, location and custom properties to the session’s profile', async () => {
    const body = {
      firstName: 'Ada',
      lastName: 'King',
      phone: '+44 20 7946 0958',
      location: { city: 'London', country: 'GB' },
      properties: { 'Favourite Colour': 'Sage', 'Sign-up Step': 2, 'Wants Samples': true },
    };
    await stored(identify(body), 202, 1);
    const message = (await outboxMessages(db)).at(-1);
    expect(message?.kind).toBe('profile');
    expect(message?.payload as ProfileUpdate).toEqual({
      profile: {
        email: 'ada@example.com',
        first_name: 'Ada',
        last_name: 'King',
        phone_number: '+442079460958',
      },
      properties: body.properties,
      location: body.location,
    });
    expect(deps.deliveries.scheduled).toBeGreaterThan(0);
  });

  it('writes to the browser’s Klaviyo profile when only the exchange id is known', async () => {
    await stored(
      identify({ firstName: 'Kx' }, { cookies: { __kla_id: klaviyoCookie('abc.DEMO01') } }),
      202,
      1,
    );
    expect(((await outboxMessages(db)).at(-1)?.payload as ProfileUpdate | undefined)?.profile).toEqual({
      _kx: 'abc.DEMO01',
      first_name: 'Kx',
    });
  });

  it('needs an identity: 401 without one', async () => {
    const { body } = await stored(identify({ firstName: 'Nobody' }, { cookies: {} }), 401, 0);
    expect(body.error?.field).toBe('session');
  });

  it('refuses identifiers and server-owned properties from the browser, and bad values, by field', async () => {
    const cases: [unknown, string | undefined][] = [
      [{ email: 'victim@example.com', firstName: 'Eve' }, 'email'],
      [{ external_id: 'x' }, 'external_id'],
      [{ phone: '12' }, 'phone'],
      [{ properties: { 'NW Lifetime Orders': 999 } }, 'properties.NW Lifetime Orders'],
      [{ properties: { $source: 'x' } }, 'properties.$source'],
      [{ properties: { nested: { a: 1 } } }, 'properties.nested'],
      [{ properties: Object.fromEntries(Array.from({ length: 21 }, (_, i) => [`p${i}`, i])) }, 'properties'],
      [{ firstName: 'x'.repeat(81) }, 'firstName'],
      [{ location: { planet: 'Mars' } }, 'location.planet'],
      [{}, undefined],
      [null, undefined],
    ];
    for (const [input, field] of cases) {
      const { body } = await stored(identify(input), 400, 0);
      expect(body.error?.field, JSON.stringify(input)).toBe(field);
    }
  });

  it('refuses other origins, huge bodies and floods', async () => {
    await stored(identify({ firstName: 'A' }, { origin: 'https://evil.test' }), 403, 0);
    await stored(identify({ firstName: 'A'.repeat(20_000) }), 413, 0);
    const ip = '192.0.2.10';
    for (let i = 0; i < 10; i++) expect((await identify({ firstName: `A${i}` }, { ip })).status).toBe(202);
    await stored(identify({ firstName: 'A' }, { ip }), 429, 0);
  });
});
