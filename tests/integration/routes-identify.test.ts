import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ProfileUpdate } from '../../lib/klaviyo-next/outbox/types.js';
import { relayRoutes } from '../../lib/klaviyo-next/relay/routes.js';
import type { SqlDatabase } from '../../lib/klaviyo-next/sql/types.js';
import { SHOPPER_SESSION_COOKIE } from '../../lib/store/shopper-session.js';
import { freshSqlite } from '../support/databases.js';
import {
  expectStored,
  TRACKING_GRANTED as GRANTED,
  klaviyoCookie,
  relayRequest,
  testRelayDeps,
  verifiedShopperSession,
} from '../support/relay-fixtures.js';
import { outboxMessages } from '../support/store-fixtures.js';

let db: SqlDatabase;
let deps: ReturnType<typeof testRelayDeps>;
const stored = (request: Promise<Response>, status: number, count: number) =>
  expectStored(db, request, status, count);
let session: Record<string, string>;
let routes: ReturnType<typeof relayRoutes>;
const POST = (request: Request) => routes.identify.POST(request);

beforeAll(async () => {
  db = await freshSqlite();
  deps = testRelayDeps(db);
  routes = relayRoutes(deps);
  // A signed-in shopper whose email the store verified; a guest checkout's session names nobody here.
  const token = await verifiedShopperSession(deps, 'ada@example.com');
  session = { [SHOPPER_SESSION_COOKIE]: token, ...GRANTED };
});
afterAll(async () => {
  await db.close();
});

const identify = (body: unknown, options: Parameters<typeof relayRequest>[2] = {}) =>
  POST(relayRequest('/api/klaviyo/identify', body, { cookies: session, ...options }));

describe('POST /api/klaviyo/identify', () => {
  it('writes names, location and custom properties to the signed-in shopper’s profile', async () => {
    const body = {
      firstName: 'Ada',
      lastName: 'King',
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
      },
      properties: body.properties,
      location: body.location,
    });
    expect(deps.deliveries.scheduled).toBeGreaterThan(0);
  });

  // An exchange id cookie is not a verified identity (anyone can write `abc.DEMO01`), so a profile
  // write needs the signed-in shopper; before, it wrote names to whatever the cookie named.
  it('needs a signed-in shopper: 401 naming session without one, or with only an exchange id', async () => {
    for (const cookies of [GRANTED, { __kla_id: klaviyoCookie('abc.DEMO01'), ...GRANTED }]) {
      const { body } = await stored(identify({ firstName: 'Nobody' }, { cookies }), 401, 0);
      expect(body.error?.field).toBe('session');
    }
  });

  it('refuses identifiers and server-owned properties from the browser, and bad values, by field', async () => {
    const cases: [unknown, string | undefined][] = [
      [{ email: 'victim@example.com', firstName: 'Eve' }, 'email'],
      [{ external_id: 'x' }, 'external_id'],
      // A phone is an identifier too: it never comes from the body (it used to become phone_number).
      [{ phone: '+44 20 7946 0958' }, 'phone'],
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
