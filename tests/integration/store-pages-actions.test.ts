import { beforeEach, describe, expect, it, vi } from 'vitest';
import { confirmAccount, signIn, signOut, signUp } from '../../app/(store)/account/actions.js';
import { notifyWhenBack } from '../../app/(store)/back-in-stock/actions.js';
import { addToBag, restoreCart } from '../../app/(store)/cart/actions.js';
import { submitCheckout } from '../../app/(store)/checkout/actions.js';
import { saveTrackingConsent } from '../../app/(store)/consent/actions.js';
import type { SqlDatabase } from '../../lib/klaviyo-next/sql/types.js';
import { currentShopper } from '../../lib/store/accounts.js';
import { CART_COOKIE, ORDER_ACCESS_COOKIE, SHOPPER_SESSION_COOKIE } from '../../lib/store/cookies.js';
import { TRACKING_CONSENT_COOKIE } from '../../lib/store/tracking-consent.js';
import { testLinks } from '../support/account-links.js';
import { jar, redirectOf } from '../support/action-request.js';
import { withTestApp } from '../support/app-under-test.js';
import {
  cartWith,
  checkoutForm,
  countRows,
  type TestStoreDeps,
  testStoreDeps,
} from '../support/store-fixtures.js';

// The app's composition root, built by the same factories over this file's test database.
vi.mock('../../lib/app/index.js', async () => (await import('../support/app-under-test.js')).appModule);

/**
 * The storefront's server actions as Next.js runs them, with the request's cookie jar and redirect()
 * stood in for: what each one sets, refuses and where it sends the shopper.
 */
// No proxy in front (TRUSTED_PROXY_HOPS=0): the actions' limits key on one shared address.
vi.mock('next/headers', async () => (await import('../support/action-request.js')).nextHeaders);
vi.mock('next/navigation', async () => (await import('../support/action-request.js')).nextNavigation);

const formData = (fields: Record<string, string>) => {
  const form = new FormData();
  for (const [name, value] of Object.entries(fields)) form.append(name, value);
  return form;
};

/** The checkout fixture as the browser's form posts it: flat, dotted names, strings only. */
function checkoutFields(cartId: string, overrides: Record<string, string> = {}) {
  const { shippingAddress, marketing: _m, ...contact } = checkoutForm(cartId) as Record<string, unknown>;
  const fields: Record<string, string> = {};
  for (const [k, v] of Object.entries(contact)) fields[k] = String(v);
  for (const [k, v] of Object.entries(shippingAddress as Record<string, string>))
    fields[`shippingAddress.${k}`] = v;
  return { ...fields, ...overrides };
}

let db: SqlDatabase;
let deps: TestStoreDeps;

withTestApp(testStoreDeps, (fresh) => {
  deps = fresh;
  db = fresh.db;
});
beforeEach(() => jar.clear());

describe('cart actions', () => {
  it('addToBag opens a cart in the cookie and returns the snapshot Added to Cart is built from', async () => {
    const first = await addToBag({ variantId: 'striped-breton-top-s', quantity: 1 });
    if (!first.ok) throw new Error(first.error.message);
    expect(jar.get(CART_COOKIE)).toBe(first.data.cartId);
    expect(first.data.tracking?.added).toMatchObject({ variantId: 'striped-breton-top-s', quantity: 1 });
    expect(first.data.tracking?.cart).toMatchObject({ cartId: first.data.cartId, revision: 1 });

    const second = await addToBag({ variantId: 'canvas-market-tote-olive', quantity: 2, cartId: 'ignored' });
    if (!second.ok) throw new Error(second.error.message);
    expect(second.data).toMatchObject({ cartId: first.data.cartId, revision: 2 });
    expect(second.data.tracking?.added).toMatchObject({ variantId: 'canvas-market-tote-olive', quantity: 2 });
    expect(second.data.tracking?.cart.lines).toHaveLength(2);
  });

  it('addToBag refuses a sold-out variant and an unknown one, tracking nothing', async () => {
    expect(await addToBag({ variantId: 'everyday-jogger-s' })).toMatchObject({
      ok: false,
      error: { message: 'Sold out.' },
    });
    expect(await addToBag({ variantId: 'no-such-thing' })).toMatchObject({
      ok: false,
      error: { field: 'variantId' },
    });
  });

  it('restoreCart points the cookie at an open cart from an abandoned-cart link, and only then', async () => {
    const cartId = await cartWith(deps, [['percale-sheet-set-queen', 1]]);
    expect(await restoreCart(cartId)).toEqual({ ok: true, data: { cartId } });
    expect(jar.get(CART_COOKIE)).toBe(cartId);

    jar.clear();
    expect(await restoreCart('../etc/passwd')).toMatchObject({ ok: false, error: { field: 'cartId' } });
    expect(await restoreCart('00000000-0000-4000-8000-000000000000')).toMatchObject({ ok: false });
    const ordered = await cartWith(deps, [['percale-sheet-set-king', 1]]);
    await redirectOf(() => submitCheckout({}, formData(checkoutFields(ordered))));
    jar.clear();
    expect(await restoreCart(ordered)).toMatchObject({
      ok: false,
      error: { message: expect.stringMatching(/already been checked out/) },
    });
    expect(jar.has(CART_COOKIE)).toBe(false);
  });
});

describe('checkout action', () => {
  it('keeps what was typed and names the field when the order is refused', async () => {
    const cartId = await cartWith(deps, [['wool-blend-scarf-camel', 1]]);
    const state = await submitCheckout(
      {},
      formData(checkoutFields(cartId, { 'shippingAddress.zip': '!', 'marketing.email': 'email-2001' })),
    );
    expect(state.error?.field).toBe('shippingAddress.zip');
    expect(state.values).toMatchObject({ email: 'Ada.Lovelace@Example.com', 'shippingAddress.zip': '!' });
  });

  // A guest checkout used to start a shopper session on the typed email's customer; it now gets
  // access to its order only (a checkout proves nothing about an email).
  it('places the order, swaps the cart cookie for order access (not a session) and goes to the confirmation', async () => {
    const cartId = await cartWith(deps, [['wool-blend-scarf-navy', 1]]);
    jar.set(CART_COOKIE, cartId);
    const fields = checkoutFields(cartId, { 'marketing.email': 'email-2026-07' });
    const url = await redirectOf(() => submitCheckout({}, formData(fields)));
    expect(url).toMatch(/^\/orders\/NW-\d+$/);
    expect(jar.has(CART_COOKIE)).toBe(false);
    expect(jar.get(ORDER_ACCESS_COOKIE)).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(jar.has(SHOPPER_SESSION_COOKIE)).toBe(false);
    expect(await currentShopper(deps, jar.get(ORDER_ACCESS_COOKIE))).toBeUndefined();
  });
});

describe('account actions', () => {
  // Tests run shuffled, so each signs up its own shopper.
  let n = 0;
  const password = 'a long enough password';
  // Sign-up now mails a link; following it (the confirm page's button) starts the session.
  const links = testLinks();
  beforeEach(() => {
    deps.links = links;
  });
  async function newAccount(next?: string): Promise<{ email: string; url: string }> {
    const email = `actions.${process.pid}.${n++}@example.com`;
    const fields = { email, password, firstName: 'Hedy', lastName: 'Lamarr', ...(next ? { next } : {}) };
    expect(await signUp({}, formData(fields))).toEqual({ sentTo: email });
    expect(jar.has(SHOPPER_SESSION_COOKIE)).toBe(false);
    const url = await redirectOf(() => confirmAccount({}, formData({ token: links.lastToken(email) ?? '' })));
    return { email, url };
  }

  it('signs up by link, starts a session and goes to the account (never to another site)', async () => {
    const { email, url } = await newAccount('https://evil.example/phish');
    expect(url).toBe('/account');
    expect(await currentShopper(deps, jar.get(SHOPPER_SESSION_COOKIE))).toMatchObject({
      email,
      hasAccount: true,
    });
  });

  it('refuses a wrong password without echoing it, and honours a same-site next on success', async () => {
    const { email } = await newAccount();
    jar.clear();
    const refused = await signIn({}, formData({ email, password: 'wrong password!' }));
    expect(refused.error?.message).toMatch(/do not match/);
    expect(JSON.stringify(refused)).not.toContain('wrong password');
    expect(refused.values).toEqual({ email });
    expect(jar.has(SHOPPER_SESSION_COOKIE)).toBe(false);

    expect(await redirectOf(() => signIn({}, formData({ email, password, next: '//evil.example' })))).toBe(
      '/account',
    );
    expect(await redirectOf(() => signIn({}, formData({ email, password, next: '/checkout' })))).toBe(
      '/checkout',
    );
  });

  it('signs out on the server too: the old cookie names nobody afterwards', async () => {
    await newAccount();
    const token = jar.get(SHOPPER_SESSION_COOKIE);
    expect(await currentShopper(deps, token)).toBeDefined();
    expect(await redirectOf(() => signOut())).toBe('/');
    expect(jar.has(SHOPPER_SESSION_COOKIE)).toBe(false);
    expect(await currentShopper(deps, token)).toBeUndefined();
  });
});

describe('back in stock and consent actions', () => {
  it('notifyWhenBack confirms with the address, or says what is wrong', async () => {
    const before = await countRows(db, 'klaviyo_outbox');
    expect(
      await notifyWhenBack({}, formData({ variantId: 'leather-card-wallet-tan', email: 'Fan@Example.com' })),
    ).toEqual({ done: { email: 'fan@example.com', created: true } });
    expect(await countRows(db, 'klaviyo_outbox')).toBe(before + 1);
    expect(
      await notifyWhenBack({}, formData({ variantId: 'leather-card-wallet-tan', email: '' })),
    ).toMatchObject({
      error: { field: 'email' },
    });
  });

  it('saveTrackingConsent stores only a real answer', async () => {
    await saveTrackingConsent('granted');
    expect(jar.get(TRACKING_CONSENT_COOKIE)).toBe('granted');
    await saveTrackingConsent('<script>');
    expect(jar.get(TRACKING_CONSENT_COOKIE)).toBe('granted');
    await saveTrackingConsent('denied');
    expect(jar.get(TRACKING_CONSENT_COOKIE)).toBe('denied');
  });
});
