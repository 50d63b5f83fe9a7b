import { describe, expect, it } from 'vitest';
import type { ConsentChange } from '../../lib/klaviyo-next/events/consent.js';
import type { SqlDatabase } from '../../lib/klaviyo-next/sql/types.js';
import { CONSENT_DISCLOSURES } from '../../lib/store/consent-disclosures.js';
import {
  expectStored,
  relayRequest,
  type testRelayDeps,
  withRelayRoutes,
} from '../support/relay-fixtures.js';
import { LIST_ID, outboxMessages } from '../support/store-fixtures.js';

let db: SqlDatabase;
let deps: ReturnType<typeof testRelayDeps>;
const stored = (request: Promise<Response>, status: number, count: number) =>
  expectStored(db, request, status, count);

const { subscribe: POST } = withRelayRoutes((fresh) => {
  deps = fresh;
  db = fresh.db;
});

const EMAIL = CONSENT_DISCLOSURES.email.version;
const SMS = CONSENT_DISCLOSURES.sms.version;
const subscribe = (body: unknown, options: Parameters<typeof relayRequest>[2] = {}) =>
  POST(relayRequest('/api/klaviyo/subscribe', body, options));

const lastConsents = async (n: number) =>
  (await outboxMessages(db))
    .slice(-n)
    .map((m) => (m.kind === 'consent' ? m.payload : undefined)) as ConsentChange[];

describe('POST /api/klaviyo/subscribe', () => {
  it('records email consent with the server’s copy of the text, its time and the list', async () => {
    await stored(subscribe({ email: ' Lin@Example.com ', consent: { email: EMAIL } }), 202, 1);
    const [consent] = await lastConsents(1);
    expect(consent).toMatchObject({
      channel: 'email',
      status: 'SUBSCRIBED',
      profile: { email: 'lin@example.com' },
      listId: LIST_ID,
      source: 'Newsletter footer',
      disclosure: CONSENT_DISCLOSURES.email,
    });
    expect(Date.parse(consent?.consentedAt ?? '')).toBeGreaterThan(Date.parse('2026-01-01'));
  });

  it('records email and SMS consent together', async () => {
    const body = {
      email: 'sam@example.com',
      phone: '415-555-0100',
      consent: { email: EMAIL, sms: SMS },
      source: 'Account page',
    };
    await stored(subscribe(body), 202, 2);
    const [email, sms] = await lastConsents(2);
    expect(email?.channel).toBe('email');
    expect(sms).toMatchObject({
      channel: 'sms',
      profile: { phone_number: '+14155550100' },
      source: 'Account page',
    });
  });

  it('refuses what cannot be proven or sent, by field', async () => {
    const cases: [unknown, string | undefined][] = [
      [{ email: 'a@example.com', consent: {} }, 'consent'],
      [{ email: 'a@example.com' }, 'consent'],
      [{ email: 'a@example.com', consent: { email: 'email-2019-01' } }, 'consent.email'],
      [{ email: 'a@example.com', consent: { email: true } }, 'consent.email'],
      [{ email: 'a@example.com', consent: { email: EMAIL }, disclosure: 'I agree to nothing' }, 'disclosure'],
      [
        { email: 'a@example.com', consent: { email: EMAIL }, consentedAt: '2001-01-01T00:00:00Z' },
        'consentedAt',
      ],
      [{ email: 'not-an-email', consent: { email: EMAIL } }, 'email'],
      [{ consent: { email: EMAIL } }, 'email'],
      [{ email: 'a@example.com', phone: '12', consent: { sms: SMS } }, 'phone'],
      [{ email: 'a@example.com', consent: { email: EMAIL }, source: 'Bought list' }, 'source'],
      [{ email: 42, consent: { email: EMAIL } }, 'email'],
      ['a@example.com', undefined],
    ];
    for (const [input, field] of cases) {
      const { body } = await stored(subscribe(input, { ip: '198.51.100.1' }), 400, 0);
      expect(body.error?.field, JSON.stringify(input)).toBe(field);
      deps.limiterClock.ms += 60_000; // these are about validation, not the rate limit
    }
  });

  it('refuses other origins, huge bodies and list bombing', async () => {
    await stored(
      subscribe({ email: 'a@example.com', consent: { email: EMAIL } }, { origin: 'https://evil.test' }),
      403,
      0,
    );
    await stored(subscribe(undefined, { raw: `{"email":"${'a'.repeat(17_000)}"}` }), 413, 0);
    const ip = '192.0.2.5';
    for (let i = 0; i < 5; i++) {
      expect(
        (await subscribe({ email: `bomb${i}@example.com`, consent: { email: EMAIL } }, { ip })).status,
      ).toBe(202);
    }
    await stored(subscribe({ email: 'bomb5@example.com', consent: { email: EMAIL } }, { ip }), 429, 0);
  });
});
