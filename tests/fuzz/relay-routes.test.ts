import fc from 'fast-check';
import sql from 'sql-template-tag';
import { describe, expect, it, vi } from 'vitest';
import { createKlaviyoNext } from '../../lib/klaviyo-next/create.js';
import { METRICS } from '../../lib/klaviyo-next/events/metrics.js';
import {
  COMPANY_ID,
  COOKIE_NAMES,
  type CookieValue,
  consentFieldsArb,
  cookiesArb,
  emailArb,
  headerJunk,
  junk,
  klaviyoCookie,
  nameArb,
  phoneArb,
  relayBody,
  relayHeadersArb,
  shaped,
  variantArb,
} from '../support/fuzz-arbitraries.js';
import {
  FUZZ_TEST_TIMEOUT,
  fuzz,
  outcome,
  runsFor,
  summary,
  type Violation,
} from '../support/fuzz-harness.js';
import {
  lastOutboxId,
  messageProblems,
  outboxRowsAfter,
  ownershipProblems,
} from '../support/fuzz-invariants.js';
import { withFuzzWorld } from '../support/fuzz-setup.js';

/**
 * The relay routes with generated bodies, headers and cookies: never a 5xx or a throw, nothing
 * malformed enqueued, and nothing written to a profile the caller's cookies do not verify.
 */

// The drain route exists only with a secret; a fuzzed Authorization header must never match it.
const DRAIN_SECRET = 'fuzz-drain-secret-0123456789abcdefghijklmnop';
vi.setConfig({ testTimeout: FUZZ_TEST_TIMEOUT });

const seeded = withFuzzWorld();
// The relay routes over the fuzz world's database, rebuilt with it before a replay.
const track = (request: Request) => seeded.routes.track.POST(request);
const identify = (request: Request) => seeded.routes.identify.POST(request);
const subscribe = (request: Request) => seeded.routes.subscribe.POST(request);
// The drain route as createKlaviyoNext mounts it, with a secret. Nothing here may reach a Klaviyo: a
// drain that did run would find this port closed.
const drain = (request: Request) =>
  createKlaviyoNext({
    env: { OUTBOX_DRAIN_SECRET: DRAIN_SECRET, KLAVIYO_API_URL: 'http://127.0.0.1:9' },
    sql: seeded.relay.db,
  }).routes.drain.POST(request);

interface RelayInput {
  headers: Record<string, string>;
  cookies: [string, CookieValue][];
  body: string | Uint8Array;
}

const cookieHeader = (cookies: [string, CookieValue][]) =>
  cookies.map(([k, v]) => `${k}=${seeded.world.resolve(v)}`).join('; ');

/**
 * Most requests carry an identity (a shopper session, borrowed or the caller's own, or a klaviyo.js
 * cookie), so the routes get past "who is this" to what they write.
 */
const identityCookies = fc.constantFrom<[string, CookieValue][]>(
  [],
  [[COOKIE_NAMES.shopper, { ref: 'attacker-session' }]],
  [[COOKIE_NAMES.shopper, { ref: 'victim-session' }]],
  [[COOKIE_NAMES.shopper, { ref: 'guest-victim-session' }]],
  [[COOKIE_NAMES.orders, { ref: 'guest-victim-session' }]],
  [[COOKIE_NAMES.klaviyo, klaviyoCookie(`visitor.${COMPANY_ID}`)]],
  [[COOKIE_NAMES.klaviyo, klaviyoCookie(`01VICTIMKX.${COMPANY_ID}`)]],
);

const relayInput = (
  fields: fc.Arbitrary<Record<string, unknown>>,
  extraCookies = fc.constant<[string, CookieValue][]>([]),
) =>
  fc.record({
    headers: relayHeadersArb,
    cookies: fc.tuple(cookiesArb, identityCookies, extraCookies).map(([a, b, c]) => [...c, ...b, ...a]),
    body: relayBody(fields),
  }) as fc.Arbitrary<RelayInput>;

function request(path: string, input: RelayInput): Request | undefined {
  try {
    const headers = new Headers({ host: 'shop.test', ...input.headers });
    if (input.cookies.length) headers.set('cookie', cookieHeader(input.cookies));
    return new Request(`https://shop.test${path}`, {
      method: 'POST',
      headers,
      body: input.body,
      duplex: 'half',
    } as RequestInit);
  } catch {
    return undefined; // a header no HTTP parser would pass on; not the handler's input
  }
}

/** The checks every relay route answers to; `extra` adds the route's own. */
async function checkRoute(
  handler: (r: Request) => Promise<Response>,
  path: string,
  input: RelayInput,
  extra: (rows: Awaited<ReturnType<typeof outboxRowsAfter>>, status: number) => Violation[] = () => [],
): Promise<Violation[]> {
  const req = request(path, input);
  if (!req) return [];
  // Every run starts with no rate-limit counters: the fuzzer is one client, and limits have tests of their own.
  await seeded.relay.db.query(sql`DELETE FROM klaviyo_rate_limits`).catch(() => undefined);
  const before = await lastOutboxId(seeded.relay.db);
  const response = await handler(req);
  const violations: Violation[] = [];
  outcome(String(response.status));
  const field =
    response.status >= 400
      ? (
          (await response
            .clone()
            .json()
            .catch(() => ({}))) as { error?: { field?: string } }
        ).error?.field
      : undefined;
  if (field) outcome(`${response.status} ${field.split('.')[0]?.slice(0, 20)}`);
  if (response.status >= 500)
    violations.push({ name: '5xx', detail: `status ${response.status}: ${await response.text()}` });
  if (response.status >= 400 && response.status < 500) {
    const body = (await response.json().catch(() => undefined)) as
      | { error?: { message?: unknown } }
      | undefined;
    if (typeof body?.error?.message !== 'string')
      violations.push({ name: '4xx without an error message', detail: `status ${response.status}` });
  }
  const rows = await outboxRowsAfter(seeded.relay.db, before);
  if (rows.length) outcome('enqueued');
  const verified = seeded.world.verifiedBy(
    input.cookies.filter(([k]) => k === COOKIE_NAMES.shopper).map(([, v]) => v),
  );
  for (const row of rows) {
    for (const p of messageProblems(row))
      violations.push({ name: 'invalid message enqueued', detail: `${row.kind}: ${p}` });
    for (const p of ownershipProblems(row, { verified }))
      violations.push({ name: 'write to a profile the caller does not own', detail: p });
  }
  if (rows.length > 0 && response.status !== 202)
    violations.push({
      name: 'enqueued but not accepted',
      detail: `status ${response.status}, ${rows.length} rows`,
    });
  violations.push(...extra(rows, response.status));
  return violations;
}

const cartId = fc.oneof(
  { weight: 4, arbitrary: fc.nat(3).map((i) => seeded.carts[i] as string) },
  { weight: 1, arbitrary: fc.uuid() },
  { weight: 1, arbitrary: junk },
);

const trackFields = fc
  .oneof(
    shaped({
      metric: fc.constant(METRICS.viewedProduct),
      variantId: variantArb,
      viewId: fc.oneof(
        { weight: 6, arbitrary: fc.stringMatching(/^[A-Za-z0-9_-]{8,64}$/) },
        { weight: 1, arbitrary: junk },
      ),
    }),
    shaped({
      metric: fc.constantFrom(METRICS.addedToCart, METRICS.startedCheckout),
      cartId,
      revision: fc.oneof(fc.integer({ min: 0, max: 3 }), fc.integer(), fc.double()),
    }),
    shaped({ metric: fc.oneof(fc.constantFrom(...Object.values(METRICS)), junk) }),
  )
  .chain((f) => fc.constant(f));

const identifyFields = shaped({
  firstName: nameArb,
  lastName: nameArb,
  phone: phoneArb,
  location: shaped({
    address1: fc.constantFrom('1 Main St', '221B Baker Street'),
    city: fc.constantFrom('Springfield', 'London'),
    region: fc.constantFrom('CA', 'Greater London'),
    zip: fc.constantFrom('94107', 'NW1 6XE'),
    country: fc.constantFrom('US', 'GB'),
  }),
  properties: fc.dictionary(
    fc.oneof(
      { weight: 8, arbitrary: fc.constantFrom('Favourite', 'Shoe Size', 'loyalty_tier') },
      {
        weight: 1,
        arbitrary: fc.constantFrom('NW Lifetime Orders', '$email', 'email', 'phone_number', '__proto__'),
      },
      { weight: 1, arbitrary: junk },
    ),
    fc.oneof(
      { weight: 6, arbitrary: fc.oneof(fc.string({ maxLength: 40 }), fc.integer(), fc.boolean()) },
      { weight: 1, arbitrary: fc.oneof(fc.string({ maxLength: 300 }), fc.double(), fc.constant(null)) },
    ),
    { maxKeys: 4 },
  ),
});

const subscribeFields = shaped({
  email: emailArb,
  phone: phoneArb,
  consent: consentFieldsArb,
  source: fc.oneof(
    { weight: 6, arbitrary: fc.constantFrom('Newsletter footer', 'Account page') },
    { weight: 1, arbitrary: junk },
  ),
});

/** The banner's answer rides along most of the time, so the track relay gets past a consent check. */
const trackingGranted = fc.constantFrom<[string, CookieValue][]>(
  [[COOKIE_NAMES.tracking, 'granted']],
  [[COOKIE_NAMES.tracking, 'granted']],
  [[COOKIE_NAMES.tracking, 'denied']],
  [],
);

describe('fuzz: relay routes', () => {
  it('POST /api/klaviyo/track', async () => {
    const report = await fuzz(
      'POST /api/klaviyo/track',
      relayInput(trackFields, trackingGranted),
      (input) =>
        checkRoute(track, '/api/klaviyo/track', input, (rows) => {
          // The banner's answer binds the server too: no browser event without `granted`.
          const consent = new Map(input.cookies).get(COOKIE_NAMES.tracking);
          return rows.length > 0 && consent !== 'granted'
            ? [{ name: 'tracked without tracking consent', detail: `nw_tracking=${String(consent)}` }]
            : [];
        }),
      runsFor(300),
    );
    expect(report.failures, summary(report)).toEqual({});
  });

  it('POST /api/klaviyo/identify', async () => {
    const report = await fuzz(
      'POST /api/klaviyo/identify',
      relayInput(identifyFields),
      (input) => checkRoute(identify, '/api/klaviyo/identify', input),
      runsFor(300),
    );
    expect(report.failures, summary(report)).toEqual({});
  });

  it('POST /api/klaviyo/subscribe', async () => {
    const report = await fuzz(
      'POST /api/klaviyo/subscribe',
      relayInput(subscribeFields),
      (input) => checkRoute(subscribe, '/api/klaviyo/subscribe', input),
      runsFor(300),
    );
    expect(report.failures, summary(report)).toEqual({});
  });

  it('GET and POST /api/klaviyo/drain', async () => {
    const near = fc.constantFrom(
      `Bearer ${DRAIN_SECRET}x`,
      `Bearer ${DRAIN_SECRET.slice(0, -1)}`,
      `Bearer ${DRAIN_SECRET.toUpperCase()}`,
      `bearer ${DRAIN_SECRET}`,
      `Bearer  ${DRAIN_SECRET}`,
      `Basic ${DRAIN_SECRET}`,
      DRAIN_SECRET,
    );
    const arb = fc.record({
      authorization: fc.option(
        fc.oneof(
          near,
          headerJunk,
          headerJunk.map((s) => `Bearer ${s}`),
        ),
        { nil: undefined },
      ),
      method: fc.constantFrom('GET', 'POST'),
      body: fc.option(junk, { nil: undefined }),
    });
    const report = await fuzz(
      'GET|POST /api/klaviyo/drain',
      arb,
      async ({ authorization, method, body }) => {
        let req: Request;
        try {
          req = new Request('https://shop.test/api/klaviyo/drain', {
            method,
            headers: authorization === undefined ? {} : { authorization },
            ...(method === 'POST' && body !== undefined ? { body } : {}),
          });
        } catch {
          return [];
        }
        const response = await drain(req);
        if (response.status === 401) return [];
        return [{ name: 'drain answered without the secret', detail: `status ${response.status}` }];
      },
      runsFor(300),
    );
    expect(report.failures, summary(report)).toEqual({});
  });
});
