import sql from 'sql-template-tag';
import { afterAll, beforeAll, expect } from 'vitest';
import { RateLimiter } from '../../lib/klaviyo-next/http/rate-limit.js';
import type { RelayDeps } from '../../lib/klaviyo-next/relay/deps.js';
import { relayRoutes } from '../../lib/klaviyo-next/relay/routes.js';
import type { SqlDatabase } from '../../lib/klaviyo-next/sql/types.js';
import { CONSENT_DISCLOSURES } from '../../lib/store/consent-disclosures.js';
import { startShopperSession } from '../../lib/store/shopper-session.js';
import { demoStorefront } from '../../lib/store/storefront.js';
import { SUBSCRIBE_SOURCES } from '../../lib/store/subscribe-sources.js';
import { TRACKING_CONSENT_COOKIE } from '../../lib/store/tracking-consent.js';
import { freshSqlite } from './databases.js';
import { countRows, LIST_ID, testStoreDeps } from './store-fixtures.js';

export const COMPANY_ID = 'DEMO01';

/**
 * Relay dependencies over the same database and store. The rate limiter has a clock of its own that
 * stands still until a test moves it (`limiterClock.ms += ...`).
 */
export function testRelayDeps(db: SqlDatabase) {
  const store = testStoreDeps(db);
  const limiterClock = { ms: 0 };
  const deps: RelayDeps = {
    ...store,
    limiter: new RateLimiter(db, () => limiterClock.ms),
    // relayRequest writes the client's address as a single proxy would.
    trustedProxyHops: 1,
    storefront: demoStorefront(store),
    companyId: COMPANY_ID,
    newsletterListId: LIST_ID,
    disclosures: CONSENT_DISCLOSURES,
    subscribeSources: SUBSCRIBE_SOURCES,
  };
  return Object.assign(deps, { logs: store.logs, deliveries: store.deliveries, store, limiterClock });
}

export type TestRelayDeps = ReturnType<typeof testRelayDeps>;

/**
 * The relay's route handlers over a fresh SQLite for the file's tests, built by the plugin's own
 * factory (`relayRoutes`, what `createKlaviyoNext` mounts) from test dependencies, which `onStart`
 * gets. Returns the three POST handlers, callable once the file's tests run; afterwards the database
 * is closed. The routes are built at the first request, after every beforeAll: the factory takes its
 * settings when it is called, as createKlaviyoNext does, so a test's setup (a list it made) counts.
 */
export function withRelayRoutes(onStart: (deps: TestRelayDeps) => void) {
  let deps: TestRelayDeps | undefined;
  let routes: ReturnType<typeof relayRoutes> | undefined;
  beforeAll(async () => {
    deps = testRelayDeps(await freshSqlite());
    onStart(deps);
  });
  afterAll(async () => {
    await deps?.db.close();
  });
  const handler = (name: 'track' | 'identify' | 'subscribe') => (request: Request) => {
    if (!deps) throw new Error('The relay dependencies are made in beforeAll.');
    routes ??= relayRoutes(deps);
    return routes[name].POST(request);
  };
  return { track: handler('track'), identify: handler('identify'), subscribe: handler('subscribe') };
}

let clients = 0;

/**
 * A POST to a relay route as a same-origin browser would send it: Origin and Host of the shop, a
 * client IP of its own (so rate limits of other tests do not apply), and the given cookies.
 */
export function relayRequest(
  path: string,
  body: unknown,
  options: {
    origin?: string | null;
    cookies?: Record<string, string>;
    ip?: string;
    raw?: BodyInit;
    headers?: Record<string, string>;
  } = {},
): Request {
  const headers = new Headers({ 'content-type': 'application/json', host: 'shop.test', ...options.headers });
  if (options.origin !== null) headers.set('origin', options.origin ?? 'https://shop.test');
  if (options.cookies) {
    headers.set(
      'cookie',
      Object.entries(options.cookies)
        .map(([k, v]) => `${k}=${v}`)
        .join('; '),
    );
  }
  headers.set('x-forwarded-for', options.ip ?? `10.1.${Math.floor(++clients / 250)}.${clients % 250}`);
  const init = { method: 'POST', headers, body: options.raw ?? JSON.stringify(body), duplex: 'half' };
  return new Request(`https://shop.test${path}`, init as RequestInit);
}

/**
 * The `__kla_id` cookie klaviyo.js writes once the browser is identified
 * (docs/klaviyo-notes.md#identity-cookie).
 */
export const klaviyoCookie = (exchangeId: string) =>
  encodeURIComponent(btoa(JSON.stringify({ cid: 'Y2lk', $exchange_id: exchangeId })));

/** Awaits a route's answer, checks its status and that exactly `stored` messages were added to the outbox. */
export async function expectStored(
  db: SqlDatabase,
  request: Promise<Response>,
  status: number,
  stored: number,
) {
  const before = await countRows(db, 'klaviyo_outbox');
  const response = await request;
  const body = (await response.json()) as Record<string, unknown> & {
    error?: { field?: string; message: string };
  };
  expect(response.status, JSON.stringify(body)).toBe(status);
  expect(await countRows(db, 'klaviyo_outbox')).toBe(before + stored);
  return { body, response };
}

/** The store's tracking-consent cookie as the banner sets it when the shopper accepts. */
export const TRACKING_GRANTED = { [TRACKING_CONSENT_COOKIE]: 'granted' };

/**
 * A session token of a signed-in shopper whose email the store has verified (the state following the
 * store's emailed link leaves), written straight to the store's tables: these tests are about what the
 * relay does with such a shopper, not about how the store proves an email.
 */
export async function verifiedShopperSession(deps: RelayDeps, email: string): Promise<string> {
  const now = deps.now();
  const id = crypto.randomUUID();
  const token = await deps.db.transaction(async (tx) => {
    await tx.query(sql`INSERT INTO store_customers (id, email, first_name, last_name, orders_count, created_at, updated_at)
       VALUES (${id}, ${email}, NULL, NULL, 0, ${now}, ${now})`);
    await tx.query(
      sql`INSERT INTO store_customer_credentials (customer_id, password_hash, created_at, updated_at) VALUES (${id}, ${'not-a-password-hash'}, ${now}, ${now})`,
    );
    return startShopperSession(tx, id, now);
  });
  // Where the store records a proven email separately, record it as the link would.
  if (!(await deps.storefront.shopperEmail(token))) {
    await deps.db.query(
      sql`UPDATE store_customer_credentials SET email_verified_at = ${now} WHERE customer_id = ${id}`,
    );
  }
  if ((await deps.storefront.shopperEmail(token)) !== email) throw new Error('no verified session');
  return token;
}

/** The relay's routes as a browser holding `cookies` calls them, with a body: `track(body, cookies)`. */
export function withCookies(routes: ReturnType<typeof withRelayRoutes>) {
  const call =
    (route: (request: Request) => Promise<Response>, path: string) =>
    (body: unknown, cookies: Record<string, string>) =>
      route(relayRequest(path, body, { cookies }));
  return {
    identify: call(routes.identify, '/api/klaviyo/identify'),
    subscribe: call(routes.subscribe, '/api/klaviyo/subscribe'),
    track: call(routes.track, '/api/klaviyo/track'),
  };
}
