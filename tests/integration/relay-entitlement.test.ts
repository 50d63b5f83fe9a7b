import { beforeAll, describe, expect, it } from 'vitest';
import { createKlaviyoClient } from '../../lib/klaviyo-next/api/client.js';
import { type ConsentChange, consentChange } from '../../lib/klaviyo-next/events/consent.js';
import { createDispatcher } from '../../lib/klaviyo-next/outbox/dispatcher.js';
import { consentMessage, type ProfileUpdate } from '../../lib/klaviyo-next/outbox/types.js';
import { CONSENT_DISCLOSURES } from '../../lib/store/consent-disclosures.js';
import { placeOrder } from '../../lib/store/orders/place-order.js';
import { SHOPPER_SESSION_COOKIE } from '../../lib/store/shopper-session.js';
import { TRACKING_CONSENT_COOKIE } from '../../lib/store/tracking-consent.js';
import { type TestEmulator, withEmulator } from '../support/emulator.js';
import {
  expectStored,
  TRACKING_GRANTED as GRANTED,
  klaviyoCookie,
  type testRelayDeps,
  verifiedShopperSession,
  withCookies,
  withRelayRoutes,
} from '../support/relay-fixtures.js';
import { cartWith, checkoutForm, outboxMessages } from '../support/store-fixtures.js';

/**
 * The relay routes played by an attacker: a made-up exchange id, identifiers typed into a body, a
 * stranger's email beside the attacker's phone, no tracking consent. What reaches Klaviyo is checked
 * at the emulator after the outbox is delivered.
 */
let emu: TestEmulator;
let deps: ReturnType<typeof testRelayDeps>;

withEmulator({ rateLimits: false }, (started) => {
  emu = started;
});

const { identify, subscribe, track } = withCookies(
  withRelayRoutes((fresh) => {
    deps = fresh;
  }),
);

const stored = (request: Promise<Response>, status: number, count: number) =>
  expectStored(deps.db, request, status, count);

async function deliver() {
  const client = createKlaviyoClient({ apiKey: emu.account.privateKey, baseUrl: emu.url });
  const result = await createDispatcher({ store: deps.outbox, client, now: deps.now }).drain();
  await emu.settle();
  return result;
}

type Profile = { id: string; attributes: Record<string, unknown> & { subscriptions?: any } };
async function profilesWhere(field: 'email' | 'phone_number', value: string): Promise<Profile[]> {
  const filter = encodeURIComponent(`equals(${field},"${value}")`);
  const found = await emu.api(`/api/profiles?filter=${filter}&additional-fields[profile]=subscriptions`);
  expect(found.status).toBe(200);
  return found.body.data;
}
const profileCount = async () => (await emu.inspect()).counts.profiles as number;

let signedIn: Record<string, string>;
beforeAll(async () => {
  const list = await emu.api('/api/lists', {
    method: 'POST',
    body: { data: { type: 'list', attributes: { name: 'Newsletter' } } },
  });
  expect(list.status).toBe(201);
  deps.newsletterListId = list.body.data.id;
  signedIn = { [SHOPPER_SESSION_COOKIE]: await verifiedShopperSession(deps, 'member@example.com') };
});

describe('identify writes only to the signed-in shopper’s own profile', () => {
  it('refuses a made-up __kla_id cookie: 401 naming session, nothing enqueued, no profile minted', async () => {
    const before = await profileCount();
    // `x.<company id>` passes the only check a cookie allows (its account suffix); it proves nothing.
    const forged = { __kla_id: klaviyoCookie(`x.${deps.companyId}`), ...GRANTED };
    const { body } = await stored(
      identify({ firstName: 'Mallory', location: { city: 'Nowhere' } }, forged),
      401,
      0,
    );
    expect(body.error?.field).toBe('session');
    await deliver();
    expect(await profileCount()).toBe(before);
  });

  it('never takes an identifier from the body: phone, email and external_id are refused by name', async () => {
    for (const [body, field] of [
      [{ phone: '+1 415 555 0199', firstName: 'Eve' }, 'phone'],
      [{ phone_number: '+14155550199' }, 'phone_number'],
      [{ email: 'victim@example.com' }, 'email'],
      [{ external_id: 'victim' }, 'external_id'],
      [{ _kx: `x.${deps.companyId}` }, '_kx'],
    ] as const) {
      const { body: answer } = await stored(identify(body, { ...signedIn, ...GRANTED }), 400, 0);
      expect(answer.error?.field, JSON.stringify(body)).toBe(field);
    }
  });

  it('writes the session’s email and nothing the browser’s exchange id could add', async () => {
    const cookies = { ...signedIn, __kla_id: klaviyoCookie(`browser.${deps.companyId}`), ...GRANTED };
    await stored(identify({ firstName: 'Mem', location: { city: 'Leeds' } }, cookies), 202, 1);
    const last = (await outboxMessages(deps.db)).at(-1);
    expect((last?.payload as ProfileUpdate | undefined)?.profile).toEqual({
      email: 'member@example.com',
      first_name: 'Mem',
    });
  });

  it('enqueues nothing without the shopper’s tracking consent, and says so', async () => {
    for (const cookies of [signedIn, { ...signedIn, [TRACKING_CONSENT_COOKIE]: 'denied' }]) {
      const { body } = await stored(identify({ firstName: 'Mem' }, cookies), 202, 0);
      expect(body).toEqual({ accepted: false, reason: 'no-consent' });
    }
  });
});

describe('track needs the shopper’s tracking consent on the server too', () => {
  const viewed = { metric: 'Viewed Product', variantId: 'wool-overshirt-m', viewId: 'view-consent' };
  it('enqueues nothing without nw_tracking=granted, whatever identifies the browser', async () => {
    const kla = { __kla_id: klaviyoCookie(`t0k3n.${deps.companyId}`) };
    for (const cookies of [
      kla,
      signedIn,
      { ...kla, [TRACKING_CONSENT_COOKIE]: 'denied' },
      { ...kla, [TRACKING_CONSENT_COOKIE]: 'pending' },
    ]) {
      const { body } = await stored(track(viewed, cookies), 202, 0);
      expect(body).toEqual({ accepted: false, reason: 'no-consent' });
    }
    await stored(track(viewed, { ...signedIn, ...GRANTED }), 202, 1);
  });

  it('refuses a malformed or oversized __kla_id: it names nobody', async () => {
    const oversized = encodeURIComponent(
      btoa(JSON.stringify({ cid: 'x'.repeat(4000), $exchange_id: `t0k3n.${deps.companyId}` })),
    );
    const notAnExchangeId = klaviyoCookie(`has spaces and "quotes".${deps.companyId}`);
    const array = encodeURIComponent(btoa(JSON.stringify([{ $exchange_id: `t0k3n.${deps.companyId}` }])));
    for (const __kla_id of [oversized, notAnExchangeId, array]) {
      const { body } = await stored(
        track({ ...viewed, viewId: 'view-junk' }, { __kla_id, ...GRANTED }),
        202,
        0,
      );
      expect(body).toEqual({ accepted: false, reason: 'anonymous' });
    }
  });
});

describe('subscribe never joins two identifiers a caller typed', () => {
  it('keeps an attacker’s phone off a stranger’s email profile; SMS consent lands on the phone alone', async () => {
    const stranger = 'stranger@example.com';
    const attackerPhone = '+14155550177';
    const created = await emu.api('/api/profiles', {
      method: 'POST',
      body: { data: { type: 'profile', attributes: { email: stranger, first_name: 'Stella' } } },
    });
    expect(created.status).toBe(201);
    const body = {
      email: stranger,
      phone: attackerPhone,
      consent: { email: CONSENT_DISCLOSURES.email.version, sms: CONSENT_DISCLOSURES.sms.version },
    };
    await stored(subscribe(body, {}), 202, 2);
    const consents = (await outboxMessages(deps.db)).slice(-2).map((m) => m.payload as ConsentChange);
    expect(consents.map((c) => [c.channel, c.profile])).toEqual([
      ['email', { email: stranger }],
      ['sms', { phone_number: attackerPhone }],
    ]);
    expect(await deliver()).toMatchObject({ dead: 0, retrying: 0 });
    const [strangerProfile, ...others] = await profilesWhere('email', stranger);
    expect(others).toEqual([]);
    expect(strangerProfile?.id).toBe(created.body.data.id);
    expect(strangerProfile?.attributes.phone_number ?? null).toBeNull();
    const byPhone = await profilesWhere('phone_number', attackerPhone);
    expect(byPhone).toHaveLength(1);
    expect(byPhone[0]?.attributes.email ?? null).toBeNull();
    expect(byPhone[0]?.attributes.subscriptions?.sms?.marketing?.consent).toBe('SUBSCRIBED');
  });

  it('keeps a phone typed at a guest checkout off the stranger’s profile, so a later SMS sign-up cannot reach her', async () => {
    // Two steps: check out as a guest with her email and the attacker's phone (no SMS box ticked),
    // then subscribe the phone alone to SMS. Klaviyo resolves the phone to whatever profile holds it.
    const stranger = 'checkout-stranger@example.com';
    const phone = '+14155550155';
    const created = await emu.api('/api/profiles', {
      method: 'POST',
      body: { data: { type: 'profile', attributes: { email: stranger } } },
    });
    expect(created.status).toBe(201);
    const cart = await cartWith(deps.store, [['organic-cotton-tee-m', 1]]);
    const placed = await placeOrder(
      deps.store,
      checkoutForm(cart, { email: stranger, phone, marketing: {} }),
    );
    expect(placed.ok).toBe(true);
    expect(await deliver()).toMatchObject({ dead: 0, retrying: 0 });
    await stored(subscribe({ phone, consent: { sms: CONSENT_DISCLOSURES.sms.version } }, {}), 202, 1);
    expect(await deliver()).toMatchObject({ dead: 0, retrying: 0 });
    const [her, ...others] = await profilesWhere('email', stranger);
    expect(others).toEqual([]);
    expect(her?.id).toBe(created.body.data.id);
    expect(her?.attributes.phone_number ?? null).toBeNull();
    expect(her?.attributes.subscriptions?.sms?.marketing?.consent).not.toBe('SUBSCRIBED');
    const [byPhone] = await profilesWhere('phone_number', phone);
    expect(byPhone?.attributes.email ?? null).toBeNull();
  });

  it('delivers an SMS consent queued with an unverified email beside the phone to the phone alone', async () => {
    // Shaped as the subscribe route queued it before, so rows still waiting in an outbox stay safe.
    const stranger = 'queued-stranger@example.com';
    const phone = '+14155550179';
    const created = await emu.api('/api/profiles', {
      method: 'POST',
      body: { data: { type: 'profile', attributes: { email: stranger } } },
    });
    expect(created.status).toBe(201);
    const sms = consentChange({
      channel: 'sms',
      status: 'SUBSCRIBED',
      profile: { phone_number: phone },
      consentedAt: new Date(deps.now()).toISOString(),
      source: 'Newsletter footer',
    });
    const legacy = { ...sms, profile: { phone_number: phone, email: stranger } };
    await deps.db.transaction((tx) => deps.outbox.enqueue(tx, [consentMessage(legacy)], deps.now()));
    expect(await deliver()).toMatchObject({ dead: 0, retrying: 0 });
    expect((await profilesWhere('email', stranger))[0]?.attributes.phone_number ?? null).toBeNull();
    const [byPhone] = await profilesWhere('phone_number', phone);
    expect(byPhone?.attributes.email ?? null).toBeNull();
    expect(byPhone?.attributes.subscriptions?.sms?.marketing?.consent).toBe('SUBSCRIBED');
  });

  it('puts a signed-in shopper’s verified email beside their phone, never the typed one', async () => {
    const body = {
      email: 'someone-else@example.com',
      phone: '+14155550178',
      consent: { sms: CONSENT_DISCLOSURES.sms.version },
    };
    await stored(subscribe(body, signedIn), 202, 1);
    const sms = (await outboxMessages(deps.db)).at(-1)?.payload as ConsentChange;
    expect(sms).toMatchObject({
      channel: 'sms',
      profile: { phone_number: '+14155550178', email: 'member@example.com' },
    });
  });
});
