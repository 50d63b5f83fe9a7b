import sql from 'sql-template-tag';
import { beforeAll, describe, expect, it } from 'vitest';
import type { ConsentChange } from '../../lib/klaviyo-next/events/consent.js';
import type { TrackEvent } from '../../lib/klaviyo-next/events/event.js';
import type { OutboxMessage, ProfileUpdate } from '../../lib/klaviyo-next/outbox/types.js';
import { CONSENT_DISCLOSURES } from '../../lib/store/consent-disclosures.js';
import { SHOPPER_SESSION_COOKIE, startShopperSession } from '../../lib/store/shopper-session.js';
import {
  expectStored,
  TRACKING_GRANTED as GRANTED,
  klaviyoCookie,
  type testRelayDeps,
  verifiedShopperSession,
  withCookies,
  withRelayRoutes,
} from '../support/relay-fixtures.js';
import { outboxMessages } from '../support/store-fixtures.js';

/**
 * The relay routes called by someone else: a session cookie of a customer whose email was never
 * proven (or who has no account at all), a tampered or expired token, a `__kla_id` minted for another
 * Klaviyo account, and a body replayed or altered. Nothing here may name an email the caller has not
 * proven.
 */
let deps: ReturnType<typeof testRelayDeps>;

const { identify, subscribe, track } = withCookies(
  withRelayRoutes((fresh) => {
    deps = fresh;
  }),
);

const stored = (request: Promise<Response>, status: number, count: number) =>
  expectStored(deps.db, request, status, count);
const last = async () => (await outboxMessages(deps.db)).at(-1) as OutboxMessage;

/** A live session row for a customer, with or without an account, whose email no link proved. */
async function unprovenSession(email: string, withAccount: boolean): Promise<string> {
  const now = deps.now();
  const id = crypto.randomUUID();
  return deps.db.transaction(async (tx) => {
    await tx.query(sql`INSERT INTO store_customers (id, email, first_name, last_name, orders_count, created_at, updated_at)
       VALUES (${id}, ${email}, NULL, NULL, 0, ${now}, ${now})`);
    if (withAccount) {
      await tx.query(
        sql`INSERT INTO store_customer_credentials (customer_id, password_hash, created_at, updated_at) VALUES (${id}, ${'not-a-password-hash'}, ${now}, ${now})`,
      );
    }
    return startShopperSession(tx, id, now);
  });
}

const OTHER_ACCOUNT_KLA = klaviyoCookie('t0k3n.OTHER1');
let callers: [string, Record<string, string>][];
beforeAll(async () => {
  const expired = await verifiedShopperSession(deps, 'expired@example.com');
  await deps.db.query(
    sql`UPDATE store_shopper_sessions SET expires_at = ${deps.now() - 1} WHERE customer_id = (SELECT id FROM store_customers WHERE email = ${'expired@example.com'})`,
  );
  const provenAgain = await verifiedShopperSession(deps, 'proven-again@example.com');
  // One character changed: the same length and alphabet, so only the lookup can refuse it.
  const tampered = provenAgain.slice(0, -1) + (provenAgain.endsWith('A') ? 'B' : 'A');
  callers = [
    [
      'an account whose email was never proven',
      { [SHOPPER_SESSION_COOKIE]: await unprovenSession('unproven@example.com', true) },
    ],
    [
      'a customer with no account (a guest)',
      { [SHOPPER_SESSION_COOKIE]: await unprovenSession('guest@example.com', false) },
    ],
    ['an expired session of a proven account', { [SHOPPER_SESSION_COOKIE]: expired }],
    ['a tampered session token', { [SHOPPER_SESSION_COOKIE]: tampered }],
    ['an exchange id of another Klaviyo account', { __kla_id: OTHER_ACCOUNT_KLA }],
  ];
});

const mentionsEmail = (message: OutboxMessage) => JSON.stringify(message.payload).includes('@example.com');

describe('a caller who has proven no email', () => {
  it('identify: 401 naming session, nothing enqueued', async () => {
    for (const [who, cookies] of callers) {
      const { body } = await stored(identify({ firstName: 'Mallory' }, { ...cookies, ...GRANTED }), 401, 0);
      expect(body.error?.field, who).toBe('session');
    }
  });

  it('track: the event names nobody and is not sent, or names only the browser’s own exchange id', async () => {
    let n = 0;
    for (const [who, cookies] of callers) {
      const viewed = {
        metric: 'Viewed Product',
        variantId: 'wool-overshirt-m',
        viewId: `view-attack-${++n}`,
      };
      const { body } = await stored(track(viewed, { ...cookies, ...GRANTED }), 202, 0);
      expect(body, who).toEqual({ accepted: false, reason: 'anonymous' });
      // Beside this account's exchange id, the event goes to that exchange id alone.
      const own = { __kla_id: klaviyoCookie('mine.DEMO01') };
      const again = { ...viewed, viewId: `view-attack-own-${n}` };
      await stored(track(again, { ...cookies, ...own, ...GRANTED }), 202, 1);
      expect(((await last()).payload as TrackEvent).profile, who).toEqual({ _kx: 'mine.DEMO01' });
    }
  });

  it('subscribe: SMS consent carries the phone alone, never the typed or the session’s unproven email', async () => {
    let n = 0;
    for (const [who, cookies] of callers) {
      const phone = `+1415555${String(200 + ++n).padStart(4, '0')}`;
      const body = { email: 'victim@example.com', phone, consent: { sms: CONSENT_DISCLOSURES.sms.version } };
      await stored(subscribe(body, cookies), 202, 1);
      const sms = (await last()).payload as ConsentChange;
      expect(sms.profile, who).toEqual({ phone_number: phone });
      expect(sms.emailVerified, who).toBeUndefined();
    }
  });
});

describe('a signed-in shopper carrying someone else’s exchange id', () => {
  it('track names the shopper’s email alone, so the victim’s exchange id is never joined to it', async () => {
    const session = await verifiedShopperSession(deps, 'joiner@example.com');
    const cookies = {
      [SHOPPER_SESSION_COOKIE]: session,
      __kla_id: klaviyoCookie('victim.DEMO01'),
      ...GRANTED,
    };
    const viewed = { metric: 'Viewed Product', variantId: 'wool-overshirt-m', viewId: 'view-joiner' };
    await stored(track(viewed, cookies), 202, 1);
    expect(((await last()).payload as TrackEvent).profile).toEqual({ email: 'joiner@example.com' });
  });
});

describe('a replayed or altered body', () => {
  it('identify: replaying a proven shopper’s body from another browser writes nothing', async () => {
    const body = { firstName: 'Pat', location: { city: 'York' } };
    for (const [, cookies] of callers) await stored(identify(body, { ...cookies, ...GRANTED }), 401, 0);
    // Identifiers slipped into the body, at the top or nested, are refused by name.
    const session = {
      [SHOPPER_SESSION_COOKIE]: await verifiedShopperSession(deps, 'pat@example.com'),
      ...GRANTED,
    };
    for (const altered of [
      { ...body, email: 'victim@example.com' },
      { ...body, phone_number: '+14155550199' },
      { ...body, location: { city: 'York', email: 'victim@example.com' } },
      { ...body, _kx: 'victim.DEMO01' },
    ]) {
      await stored(identify(altered, session), 400, 0);
    }
    await stored(identify(body, session), 202, 1);
    expect(((await last()).payload as ProfileUpdate).profile).toMatchObject({ email: 'pat@example.com' });
  });

  it('track: a replayed event is stored once; an altered id names no other product', async () => {
    const cookies = { __kla_id: klaviyoCookie('replay.DEMO01'), ...GRANTED };
    const viewed = { metric: 'Viewed Product', variantId: 'wool-overshirt-m', viewId: 'view-replayed' };
    await stored(track(viewed, cookies), 202, 1);
    for (let i = 0; i < 3; i++) await stored(track(viewed, cookies), 202, 0);
    await stored(track({ ...viewed, variantId: 'no-such-variant' }, cookies), 400, 0);
    await stored(track({ ...viewed, price: 0 }, cookies), 400, 0);
    await stored(track({ ...viewed, email: 'victim@example.com' }, cookies), 400, 0);
    const messages = await outboxMessages(deps.db);
    expect(
      messages.filter((m) => (m.payload as TrackEvent).uniqueId?.includes('view-replayed')),
    ).toHaveLength(1);
  });

  it('track: the same event replayed in ten concurrent requests is stored once', async () => {
    const cookies = { __kla_id: klaviyoCookie('burst.DEMO01'), ...GRANTED };
    const viewed = { metric: 'Viewed Product', variantId: 'wool-overshirt-m', viewId: 'view-burst' };
    const before = (await outboxMessages(deps.db)).length;
    const answers = await Promise.all(Array.from({ length: 10 }, () => track(viewed, cookies)));
    expect(answers.map((r) => r.status)).toEqual(Array(10).fill(202));
    const enqueued = await Promise.all(
      answers.map(async (r) => ((await r.json()) as { enqueued: number }).enqueued),
    );
    expect(enqueued.reduce((a, b) => a + b, 0)).toBe(1);
    expect((await outboxMessages(deps.db)).length).toBe(before + 1);
  });

  it('subscribe: nothing the body carries puts an email beside a phone', async () => {
    const before = (await outboxMessages(deps.db)).length;
    const phone = '+14155550298';
    for (const body of [
      {
        email: 'victim@example.com',
        phone,
        consent: { email: CONSENT_DISCLOSURES.email.version, sms: CONSENT_DISCLOSURES.sms.version },
      },
      { phone, consent: { sms: CONSENT_DISCLOSURES.sms.version }, profile: { email: 'victim@example.com' } },
      {
        phone,
        consent: { sms: CONSENT_DISCLOSURES.sms.version },
        emailVerified: true,
        email: 'victim@example.com',
      },
    ]) {
      await subscribe(body, {});
    }
    const added = (await outboxMessages(deps.db)).slice(before);
    for (const message of added) {
      const consent = message.payload as ConsentChange;
      if (consent.channel === 'sms') {
        expect(consent.profile).toEqual({ phone_number: phone });
        expect(mentionsEmail(message)).toBe(false);
      }
    }
    expect(added.some((m) => (m.payload as ConsentChange).channel === 'sms')).toBe(true);
  });
});
