import { expect, it } from 'vitest';
import { createThrottle } from '../../lib/auth/throttle.js';
import { currentShopper, signIn, signUp } from '../../lib/store/accounts.js';
import { CONSENT_DISCLOSURES } from '../../lib/store/consent-disclosures.js';
import { placeOrder } from '../../lib/store/orders/place-order.js';
import { endShopperSession } from '../../lib/store/shopper-session.js';
import {
  cartWith,
  checkoutForm,
  countRows,
  LIST_ID,
  onBothDatabases,
  outboxMessages,
  testStoreDeps,
} from '../support/store-fixtures.js';

/** Shopper accounts (lib/store/accounts.ts): sign-up, sign-in, sessions and the guest-order rule. */
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
  it('signs up with a scrypt hash, a session and the profile in the outbox, and refuses a second account', async () => {
    const deps = testStoreDeps(db());
    const email = uniqueEmail('Ada');
    const result = await signUp(deps, form(email.toUpperCase()));
    if (!result.ok) throw new Error(result.error.message);
    expect(result.data.sessionToken).toMatch(/^[A-Za-z0-9_-]{43}$/);

    const [stored] = await db().query<{ password_hash: string }>(
      'SELECT k.password_hash FROM store_customer_credentials k JOIN store_customers c ON c.id = k.customer_id WHERE c.email = ?',
      [email.toLowerCase()],
    );
    expect(stored?.password_hash).toMatch(/^scrypt:32768:8:1:/);
    expect(stored?.password_hash).not.toContain('correct horse');

    expect(await currentShopper(deps, result.data.sessionToken)).toMatchObject({
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

    expect(await signUp(deps, form(email))).toMatchObject({ ok: false, error: { field: 'email' } });
  });

  it('records newsletter consent at sign-up with the disclosure text, and refuses a stale version', async () => {
    const deps = testStoreDeps(db());
    const email = uniqueEmail('grace');
    const stale = await signUp(deps, form(email, { marketing: { email: 'email-2020-01' } }));
    expect(stale).toMatchObject({ ok: false, error: { field: 'marketing.email' } });

    const ok = await signUp(deps, form(email, { marketing: { email: CONSENT_DISCLOSURES.email.version } }));
    expect(ok.ok).toBe(true);
    const consent = (await outboxMessages(db())).find(
      (m) => m.kind === 'consent' && m.payload.profile.email === email,
    );
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
      const result = await signUp(deps, input);
      expect(result, JSON.stringify(input)).toMatchObject({ ok: false });
      if (!result.ok) expect(result.error.field).toBe(field);
    }
    expect(await countRows(db(), 'store_customers')).toBe(before);
  });

  it('signs in with the right password only, with one answer for a wrong password and an unknown email', async () => {
    const deps = testStoreDeps(db());
    const email = uniqueEmail('linus');
    await signUp(deps, form(email));
    const throttle = createThrottle({ limit: 3 });

    const wrong = await signIn(deps, { email, password: 'not the password' }, throttle);
    const unknown = await signIn(deps, { email: uniqueEmail('nobody'), password: 'whatever1234' }, throttle);
    expect(wrong).toEqual(unknown);
    expect(wrong).toMatchObject({ ok: false });

    const right = await signIn(
      deps,
      { email: email.toUpperCase(), password: 'correct horse battery' },
      throttle,
    );
    if (!right.ok) throw new Error(right.error.message);
    expect(await currentShopper(deps, right.data.sessionToken)).toMatchObject({ email, hasAccount: true });

    // Signing out deletes the session row: the old cookie names nobody.
    await endShopperSession(db(), right.data.sessionToken);
    expect(await currentShopper(deps, right.data.sessionToken)).toBeUndefined();
  });

  it('stops answering for an email after repeated failures, even with the right password', async () => {
    const deps = testStoreDeps(db());
    const email = uniqueEmail('guess');
    await signUp(deps, form(email));
    const throttle = createThrottle({ limit: 2 });
    for (let i = 0; i < 2; i++) await signIn(deps, { email, password: `guess number ${i}` }, throttle);
    const locked = await signIn(deps, { email, password: 'correct horse battery' }, throttle);
    expect(locked).toMatchObject({
      ok: false,
      error: { message: expect.stringMatching(/Too many attempts/) },
    });
  });

  it('lets a guest add a password only from the browser that placed their order', async () => {
    const deps = testStoreDeps(db());
    const email = uniqueEmail('guest');
    const placed = await placeOrder(
      deps,
      checkoutForm(await cartWith(deps, [['canvas-market-tote-olive', 1]]), { email, marketing: {} }),
    );
    if (!placed.ok) throw new Error(placed.error.message);
    const guestSession = placed.data.shopperSession as string;
    expect(await currentShopper(deps, guestSession)).toMatchObject({ email, hasAccount: false });

    // Anyone else typing that email is refused: they would see the guest's orders.
    const stranger = await signUp(deps, form(email));
    expect(stranger).toMatchObject({
      ok: false,
      error: { field: 'email', message: expect.stringMatching(/guest/) },
    });
    const otherSession = await signUp(deps, form(email), { sessionToken: 'x'.repeat(43) });
    expect(otherSession.ok).toBe(false);

    const claimed = await signUp(deps, form(email, { firstName: 'Augusta' }), { sessionToken: guestSession });
    if (!claimed.ok) throw new Error(claimed.error.message);
    expect(await currentShopper(deps, claimed.data.sessionToken)).toMatchObject({
      email,
      firstName: 'Augusta',
      hasAccount: true,
    });
    const [customers] = await db().query<{ n: number }>(
      'SELECT COUNT(*) AS n FROM store_customers WHERE email = ?',
      [email],
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
