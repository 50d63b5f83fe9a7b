import sql from 'sql-template-tag';
import { expect, it } from 'vitest';
import type { SignInThrottle } from '../../lib/auth/throttle.js';
import {
  confirmAccountLink,
  currentShopper,
  requestOrderAccount,
  signIn,
  signUp,
} from '../../lib/store/accounts.js';
import { CONSENT_DISCLOSURES } from '../../lib/store/consent-disclosures.js';
import { placeOrder } from '../../lib/store/orders/place-order.js';
import { endShopperSession } from '../../lib/store/shopper-session.js';
import { accountThroughLink, testLinks } from '../support/account-links.js';
import {
  cartWith,
  checkoutForm,
  countRows,
  LIST_ID,
  onBothDatabases,
  outboxMessages,
  testStoreDeps,
} from '../support/store-fixtures.js';

/**
 * Shopper accounts (lib/store/accounts.ts): sign-up by mailed link, sign-in, sessions and guest
 * orders. Sign-up used to sign in at once, and a guest's checkout session could add a password; both
 * trusted a typed email, so both now go through a link mailed to that email.
 */
let n = 0;
const uniqueEmail = (name: string) => `${name}.${process.pid}.${n++}@example.com`;
const form = (email: string, overrides: Record<string, unknown> = {}) => ({
  email,
  password: 'correct horse battery',
  firstName: 'Ada',
  lastName: 'Lovelace',
  ...overrides,
});

onBothDatabases('shopper accounts', (db) => {
  it('signs up by link with a scrypt hash, a session and the profile in the outbox, and makes no second account', async () => {
    const deps = testStoreDeps(db());
    const links = testLinks();
    const email = uniqueEmail('Ada');
    const sessionToken = await accountThroughLink(deps, links, form(email.toUpperCase()));
    expect(sessionToken).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(links.sent).toEqual([
      expect.objectContaining({
        to: email.toLowerCase(),
        link: expect.stringMatching(/^https:\/\/shop\.test\/account\/confirm\?token=/),
      }),
    ]);

    const [stored] = await db().query<{ password_hash: string }>(
      sql`SELECT k.password_hash FROM store_customer_credentials k JOIN store_customers c ON c.id = k.customer_id WHERE c.email = ${email.toLowerCase()}`,
    );
    expect(stored?.password_hash).toMatch(/^scrypt:32768:8:1:/);
    expect(stored?.password_hash).not.toContain('correct horse');

    expect(await currentShopper(deps, sessionToken)).toMatchObject({
      email: email.toLowerCase(),
      firstName: 'Ada',
      hasAccount: true,
    });
    const profile = (await outboxMessages(db())).find(
      (m) => m.kind === 'profile' && m.payload.profile.email === email.toLowerCase(),
    );
    expect(profile?.payload).toMatchObject({
      profile: { first_name: 'Ada', last_name: 'Lovelace' },
      properties: { 'NW Account Created': expect.any(String) },
    });
    expect(deps.deliveries.scheduled).toBe(1);

    // A second sign-up answers alike (no telling which emails have accounts) and mails no link.
    expect(await signUp(deps, form(email), links)).toEqual({
      ok: true,
      data: { sentTo: email.toLowerCase() },
    });
    expect(links.sent.at(-1)?.link).toBeUndefined();
    const [credentials] = await db().query<{
      n: number;
    }>(sql`SELECT COUNT(*) AS n FROM store_customer_credentials k JOIN store_customers c ON c.id = k.customer_id
       WHERE c.email = ${email.toLowerCase()}`);
    expect(Number(credentials?.n)).toBe(1);
  });

  it('records newsletter consent once the link is followed, with the disclosure text, and refuses a stale version', async () => {
    const deps = testStoreDeps(db());
    const links = testLinks();
    const email = uniqueEmail('grace');
    const stale = await signUp(deps, form(email, { marketing: { email: 'email-2020-01' } }), links);
    expect(stale).toMatchObject({ ok: false, error: { field: 'marketing.email' } });

    const ok = await signUp(
      deps,
      form(email, { marketing: { email: CONSENT_DISCLOSURES.email.version } }),
      links,
    );
    expect(ok.ok).toBe(true);
    const consentOf = async () =>
      (await outboxMessages(db())).find((m) => m.kind === 'consent' && m.payload.profile.email === email);
    // Nothing is sent for an email nobody has proven yet.
    expect(await consentOf()).toBeUndefined();
    expect((await confirmAccountLink(deps, links.lastToken(email), links)).ok).toBe(true);
    const consent = await consentOf();
    expect(consent?.payload).toMatchObject({
      channel: 'email',
      status: 'SUBSCRIBED',
      source: 'Account page',
      listId: LIST_ID,
      disclosure: { text: CONSENT_DISCLOSURES.email.text },
    });
  });

  it('refuses bad input by field before writing anything', async () => {
    const deps = testStoreDeps(db());
    const before = await countRows(db(), 'store_customers');
    const cases: [unknown, string | undefined][] = [
      [undefined, undefined],
      [form('not-an-email'), 'email'],
      [form(uniqueEmail('x'), { password: 'short' }), 'password'],
      [form(uniqueEmail('x'), { firstName: '  ' }), 'firstName'],
      [form(uniqueEmail('x'), { isAdmin: true }), 'isAdmin'],
    ];
    for (const [input, field] of cases) {
      const result = await signUp(deps, input, testLinks());
      expect(result, JSON.stringify(input)).toMatchObject({ ok: false });
      if (!result.ok) expect(result.error.field).toBe(field);
    }
    expect(await countRows(db(), 'store_customers')).toBe(before);
  });

  it('signs in with the right password only, with one answer for a wrong password and an unknown email', async () => {
    const deps = testStoreDeps(db());
    const email = uniqueEmail('linus');
    await accountThroughLink(deps, testLinks(), form(email));

    const wrong = await signIn(deps, { email, password: 'not the password' });
    const unknown = await signIn(deps, { email: uniqueEmail('nobody'), password: 'whatever1234' });
    expect(wrong).toEqual(unknown);
    expect(wrong).toMatchObject({ ok: false });

    const right = await signIn(deps, { email: email.toUpperCase(), password: 'correct horse battery' });
    if (!right.ok) throw new Error(right.error.message);
    expect(await currentShopper(deps, right.data.sessionToken)).toMatchObject({ email, hasAccount: true });

    // Signing out deletes the session row: the old cookie names nobody.
    await endShopperSession(db(), right.data.sessionToken);
    expect(await currentShopper(deps, right.data.sessionToken)).toBeUndefined();
  });

  it('asks the throttle before checking the password, and stops when it says wait, even for the right one', async () => {
    const deps = testStoreDeps(db());
    const email = uniqueEmail('guess');
    await accountThroughLink(deps, testLinks(), form(email));
    const keys: string[] = [];
    let left = 2;
    const throttle: SignInThrottle = {
      attempt: async (account, address) => {
        keys.push(`${account}@${address}`);
        return left-- > 0 ? { ok: true } : { ok: false, retryAfterSeconds: 120 };
      },
      succeed: async () => undefined,
    };
    const options = { throttle, clientAddress: '203.0.113.9' };
    for (let i = 0; i < 2; i++) await signIn(deps, { email, password: `guess number ${i}` }, options);
    const locked = await signIn(deps, { email, password: 'correct horse battery' }, options);
    expect(locked).toMatchObject({
      ok: false,
      error: { message: expect.stringMatching(/Too many attempts. Wait 2 minutes/) },
    });
    expect(keys).toEqual(Array(3).fill(`shopper:${email}@203.0.113.9`));
  });

  it('gives a guest checkout access to its order, not a session, and saves it to an account only by link', async () => {
    // Before: the checkout's session signed the guest in, and could add a password to the email typed.
    const deps = testStoreDeps(db());
    const links = testLinks();
    const email = uniqueEmail('guest');
    const placed = await placeOrder(
      deps,
      checkoutForm(await cartWith(deps, [['canvas-market-tote-olive', 1]]), { email, marketing: {} }),
    );
    if (!placed.ok) throw new Error(placed.error.message);
    const access = placed.data.orderAccess as string;
    expect(access).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(await currentShopper(deps, access)).toBeUndefined();

    // Another browser cannot ask for the link; this one can, and the link goes to the order's email.
    const request = { orderId: placed.data.orderId, password: 'correct horse battery' };
    expect(await requestOrderAccount(deps, request, { orderAccess: 'x'.repeat(43) }, links)).toMatchObject({
      ok: false,
      error: { field: 'orderId' },
    });
    expect(await requestOrderAccount(deps, request, {}, links)).toMatchObject({ ok: false });
    expect(await requestOrderAccount(deps, request, { orderAccess: access }, links)).toEqual({
      ok: true,
      data: { sentTo: email },
    });
    const claimed = await confirmAccountLink(deps, links.lastToken(email), links);
    if (!claimed.ok) throw new Error(claimed.error.message);
    expect(await currentShopper(deps, claimed.data.sessionToken)).toMatchObject({
      email,
      firstName: 'Ada',
      hasAccount: true,
    });
    const [customers] = await db().query<{ n: number }>(
      sql`SELECT COUNT(*) AS n FROM store_customers WHERE email = ${email}`,
    );
    expect(Number(customers?.n)).toBe(1);
  });

  it('knows no shopper for a missing, malformed or unknown session token', async () => {
    const deps = testStoreDeps(db());
    expect(await currentShopper(deps, undefined)).toBeUndefined();
    expect(await currentShopper(deps, 'short')).toBeUndefined();
    expect(await currentShopper(deps, 'A'.repeat(43))).toBeUndefined();
  });
});
