import { describe, expect, it } from 'vitest';
import type { SqlDatabase } from '../../lib/klaviyo-next/sql/types.js';
import { CONSENT_DISCLOSURES } from '../../lib/store/consent-disclosures.js';
import { relayRequest, type testRelayDeps, withRelayRoutes } from '../support/relay-fixtures.js';
import { countRows } from '../support/store-fixtures.js';

/**
 * The relay's rate limit played against: a script that writes a new X-Forwarded-For entry (or a new
 * `__kla_id` cookie) on every request. Behind one trusted proxy (TRUSTED_PROXY_HOPS=1, as the test
 * deps are wired) the proxy appends the address it saw, so that entry is the only one the limit may
 * key on. Before: the limit keyed on the first entry, and 300 of 300 sign-ups went through.
 */
let db: SqlDatabase;
let deps: ReturnType<typeof testRelayDeps>;

const { subscribe: POST } = withRelayRoutes((fresh) => {
  deps = fresh;
  db = fresh.db;
});

const body = (n: number) => ({
  email: `bomb.${n}@example.com`,
  consent: { email: CONSENT_DISCLOSURES.email.version },
});

describe('relay rate limit against a rotating client', () => {
  it('300 subscribes with a new X-Forwarded-For entry each: the proxy’s entry is the key, most are refused with Retry-After', async () => {
    const before = await countRows(db, 'klaviyo_outbox');
    const statuses: number[] = [];
    let retryAfter: string | null = null;
    for (let n = 0; n < 300; n++) {
      // What the client sent, then what the one trusted proxy appended (the address it saw).
      const ip = `198.51.100.${n % 250}, 10.${n % 200}.0.1, 203.0.113.77`;
      const response = await POST(relayRequest('/api/klaviyo/subscribe', body(n), { ip }));
      statuses.push(response.status);
      if (response.status === 429) retryAfter ??= response.headers.get('retry-after');
    }
    const accepted = statuses.filter((s) => s === 202).length;
    expect(accepted).toBeLessThanOrEqual(10);
    expect(statuses.filter((s) => s === 429).length).toBeGreaterThanOrEqual(290);
    expect(Number(retryAfter)).toBeGreaterThanOrEqual(1);
    expect(await countRows(db, 'klaviyo_outbox')).toBe(before + accepted);
  });

  it('another address behind the same proxy is not refused for the first one’s flood', async () => {
    const response = await POST(
      relayRequest('/api/klaviyo/subscribe', body(1000), { ip: '203.0.113.77, 203.0.113.78' }),
    );
    expect(response.status).toBe(202);
  });

  it('without an address from the proxy, a new __kla_id cookie per request buys nothing either', async () => {
    deps.limiterClock.ms += 3_600_000; // a fresh hour: this test counts from a full bucket
    const statuses: number[] = [];
    for (let n = 0; n < 50; n++) {
      const request = relayRequest('/api/klaviyo/subscribe', body(2000 + n), {
        cookies: { __kla_id: encodeURIComponent(btoa(JSON.stringify({ cid: `c${n}` }))) },
      });
      // Before: with no address the limit keyed on the cookie, which the client writes.
      request.headers.delete('x-forwarded-for');
      statuses.push((await POST(request)).status);
    }
    expect(statuses.filter((s) => s === 202).length).toBeLessThanOrEqual(5);
  });
});
