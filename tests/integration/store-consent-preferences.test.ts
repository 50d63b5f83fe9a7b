import { randomBytes } from 'node:crypto';
import { beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { updatePreferences } from '../../app/(store)/account/preferences/actions.js';
import type { ConsentChange as OutgoingConsent } from '../../lib/klaviyo-next/events/consent.js';
import type { SqlDatabase } from '../../lib/klaviyo-next/sql/types.js';
import { currentShopper } from '../../lib/store/accounts.js';
import { CONSENT_DISCLOSURES } from '../../lib/store/consent-disclosures.js';
import { SHOPPER_SESSION_COOKIE } from '../../lib/store/cookies.js';
import { consentOf } from '../../lib/store/customer-consent.js';
import { changePreferences, preferencesOf } from '../../lib/store/preferences.js';
import { accountThroughLink, testLinks } from '../support/account-links.js';
import { jar, redirectOf } from '../support/action-request.js';
import { withTestApp } from '../support/app-under-test.js';
import { outboxMessages, type TestStoreDeps, testStoreDeps } from '../support/store-fixtures.js';

// The app's composition root, built by the same factories over this file's test database.
vi.mock('../../lib/app/index.js', async () => (await import('../support/app-under-test.js')).appModule);

/**
 * The "Email and SMS preferences" action as its owner and as an attacker calls it: no cookie, a
 * made-up one, and another shopper's session with her email in the form. Only the session's customer
 * is ever changed; every change is recorded and goes to Klaviyo through the outbox.
 */
vi.mock('next/headers', async () => (await import('../support/action-request.js')).nextHeaders);
vi.mock('next/navigation', async () => (await import('../support/action-request.js')).nextNavigation);
vi.mock('next/cache', () => ({ revalidatePath: () => {} }));

let db: SqlDatabase;
let deps: TestStoreDeps;
withTestApp(testStoreDeps, (fresh) => {
  deps = fresh;
  db = fresh.db;
});

const PASSWORD = 'correct horse battery';
let n = 0;
const uniqueEmail = (name: string) => `${name}.${process.pid}.${n++}@example.com`;

function form(fields: Record<string, string>): FormData {
  const f = new FormData();
  for (const [k, v] of Object.entries(fields)) f.append(k, v);
  return f;
}

/** Runs the action as a form post would; returns where it redirected. */
function post(fields: Record<string, string>): Promise<string> {
  return redirectOf(() => updatePreferences(form(fields)));
}

/** Consent messages in the outbox naming this email or phone, oldest first. */
async function consentFor(who: string): Promise<OutgoingConsent[]> {
  return (await outboxMessages(db)).flatMap((m) =>
    m.kind === 'consent' && (m.payload.profile.email === who || m.payload.profile.phone_number === who)
      ? [m.payload]
      : [],
  );
}

let ada: { email: string; session: string; customerId: string };
let bea: { email: string; session: string; customerId: string };
async function shopper(name: string) {
  const links = testLinks();
  deps.links = links;
  const email = uniqueEmail(name);
  const session = await accountThroughLink(deps, links, {
    email,
    password: PASSWORD,
    firstName: name,
    lastName: 'L',
  });
  const customerId = (await currentShopper(deps, session))?.customerId ?? '';
  return { email, session, customerId };
}
beforeAll(async () => {
  ada = await shopper('ada');
  bea = await shopper('bea');
});
beforeEach(() => jar.clear());

describe('the preferences action for her own record', () => {
  it('unsubscribes her email: recorded, and a global unsubscribe in the outbox', async () => {
    jar.set(SHOPPER_SESSION_COOKIE, ada.session);
    expect(await post({ channel: 'email', action: 'unsubscribe' })).toBe('/account/preferences?saved=email');
    expect((await consentOf(db, ada.customerId)).email).toMatchObject({
      status: 'unsubscribed',
      source: 'preferences',
      address: ada.email,
    });
    const [sent] = await consentFor(ada.email);
    expect(sent).toMatchObject({ channel: 'email', status: 'UNSUBSCRIBED', profile: { email: ada.email } });
    expect(sent?.listId).toBeUndefined();
    expect(deps.deliveries.scheduled).toBeGreaterThan(0);
  });

  it('refuses a subscribe without the box ticked; with it, records the consent and sends the text shown', async () => {
    jar.set(SHOPPER_SESSION_COOKIE, ada.session);
    const before = (await consentFor(ada.email)).length;
    expect(await post({ channel: 'email', action: 'subscribe' })).toBe('/account/preferences?error=consent');
    expect((await consentFor(ada.email)).length).toBe(before);
    expect(
      await post({
        channel: 'email',
        action: 'subscribe',
        'marketing.email': CONSENT_DISCLOSURES.email.version,
      }),
    ).toBe('/account/preferences?saved=email');
    expect((await consentOf(db, ada.customerId)).email?.status).toBe('subscribed');
    expect((await consentFor(ada.email)).at(-1)).toMatchObject({
      status: 'SUBSCRIBED',
      source: 'Preferences page',
      disclosure: CONSENT_DISCLOSURES.email,
      listId: deps.newsletterListId,
    });
  });

  it('subscribes a phone to SMS with the phone alone (never joined to her email), and unsubscribes it', async () => {
    jar.set(SHOPPER_SESSION_COOKIE, ada.session);
    expect(
      await post({
        channel: 'sms',
        action: 'subscribe',
        phone: '(415) 555-0177',
        'marketing.sms': CONSENT_DISCLOSURES.sms.version,
      }),
    ).toBe('/account/preferences?saved=sms');
    const [subscribe] = await consentFor('+14155550177');
    expect(subscribe?.profile).toEqual({ phone_number: '+14155550177' });
    expect(await post({ channel: 'sms', action: 'unsubscribe' })).toBe('/account/preferences?saved=sms');
    expect((await consentOf(db, ada.customerId)).sms).toMatchObject({
      status: 'unsubscribed',
      address: '+14155550177',
    });
    expect((await consentFor('+14155550177')).at(-1)).toMatchObject({ status: 'UNSUBSCRIBED' });
    expect(
      await post({ channel: 'sms', action: 'subscribe', phone: 'nope', 'marketing.sms': 'sms-2026-07' }),
    ).toBe('/account/preferences?error=phone');
  });

  it('says so when she unsubscribes SMS with no phone on her record', async () => {
    jar.set(SHOPPER_SESSION_COOKIE, bea.session);
    expect(await post({ channel: 'sms', action: 'unsubscribe' })).toBe('/account/preferences?error=no-phone');
    expect(await post({ channel: 'fax', action: 'unsubscribe' })).toBe('/account/preferences?error=invalid');
    expect((await consentOf(db, bea.customerId)).sms).toBeUndefined();
  });

  it('shows her own record on the page model', async () => {
    const prefs = await preferencesOf(deps, ada.session);
    expect(prefs?.email).toBe(ada.email);
    expect(prefs?.consent.email?.status).toBe('subscribed');
    expect(await preferencesOf(deps, undefined)).toBeUndefined();
  });
});

describe('the preferences action as someone else', () => {
  const madeUp = () => randomBytes(32).toString('base64url');

  it.each([
    ['no cookie', () => undefined],
    ['a made-up session cookie', madeUp],
    ['a made-up cookie of another shape', () => 'admin'],
  ])('with %s: goes to sign-in and changes nothing', async (_name, cookie) => {
    const value = cookie();
    if (value) jar.set(SHOPPER_SESSION_COOKIE, value);
    const before = await outboxMessages(db);
    const record = await consentOf(db, ada.customerId);
    const attempts: Record<string, string>[] = [
      { channel: 'email', action: 'unsubscribe' },
      { channel: 'email', action: 'subscribe', 'marketing.email': CONSENT_DISCLOSURES.email.version },
    ];
    for (const fields of attempts)
      expect(await post(fields)).toBe('/account/sign-in?next=/account/preferences');
    expect(await outboxMessages(db)).toEqual(before);
    expect(await consentOf(db, ada.customerId)).toEqual(record);
    expect(await preferencesOf(deps, value)).toBeUndefined();
  });

  it("with another shopper's session and her email in the form: refused, her record untouched", async () => {
    jar.set(SHOPPER_SESSION_COOKIE, bea.session);
    const adaBefore = await consentOf(db, ada.customerId);
    const adaMessages = (await consentFor(ada.email)).length;
    const naming: Record<string, string>[] = [{ email: ada.email }, { customerId: ada.customerId }];
    for (const extra of naming)
      expect(await post({ channel: 'email', action: 'unsubscribe', ...extra })).toBe(
        '/account/preferences?error=invalid',
      );
    // What her own session can do is change her own record only.
    expect(await post({ channel: 'email', action: 'unsubscribe' })).toBe('/account/preferences?saved=email');
    expect((await consentOf(db, bea.customerId)).email?.status).toBe('unsubscribed');
    expect(await consentOf(db, ada.customerId)).toEqual(adaBefore);
    expect((await consentFor(ada.email)).length).toBe(adaMessages);
  });

  it('a session signed out meanwhile changes nothing', async () => {
    const carol = await shopper('carol');
    const { endShopperSession } = await import('../../lib/store/shopper-session.js');
    await endShopperSession(db, carol.session);
    const result = await changePreferences(deps, carol.session, { channel: 'email', action: 'unsubscribe' });
    expect(result).toEqual({ ok: false, error: { message: 'Sign in to change your preferences.' } });
    expect(await consentOf(db, carol.customerId)).toEqual({});
  });
});

describe('two preference changes of one shopper interleaved', () => {
  it('leave her record and the last message sent to Klaviyo agreeing', async () => {
    const dana = await shopper('dana');
    const subscribe = {
      channel: 'email',
      action: 'subscribe',
      marketing: { email: CONSENT_DISCLOSURES.email.version },
    };
    const unsubscribe = { channel: 'email', action: 'unsubscribe' };
    for (const pair of [
      [subscribe, unsubscribe],
      [unsubscribe, subscribe],
    ]) {
      const results = await Promise.all(pair.map((input) => changePreferences(deps, dana.session, input)));
      expect(results.every((r) => r.ok)).toBe(true);
      const recorded = (await consentOf(db, dana.customerId)).email?.status;
      const last = (await consentFor(dana.email)).at(-1)?.status;
      expect(last).toBe(recorded === 'subscribed' ? 'SUBSCRIBED' : 'UNSUBSCRIBED');
    }
  });
});
