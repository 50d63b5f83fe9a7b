import sql from 'sql-template-tag';
import { beforeEach, describe, expect, it, vi } from 'vitest';
import { confirmAccount, saveOrderToAccount, signIn } from '../../app/(store)/account/actions.js';
import { submitCheckout } from '../../app/(store)/checkout/actions.js';
import { ACCOUNT_BACKOFF, ADDRESS_BACKOFF } from '../../lib/auth/throttle.js';
import type { SqlDatabase } from '../../lib/klaviyo-next/sql/types.js';
import { currentShopper, signUp } from '../../lib/store/accounts.js';
import { CART_COOKIE, ORDER_ACCESS_COOKIE, SHOPPER_SESSION_COOKIE } from '../../lib/store/cookies.js';
import { orderForShopper } from '../../lib/store/shopper-orders.js';
import { accountThroughLink, testLinks } from '../support/account-links.js';
import { redirectOf, request } from '../support/action-request.js';
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
 * The account and order actions as an attacker calls them: with another browser's order number, a
 * made-up or someone else's cookie, a link for one email while signed in as another, and a
 * proxy-reported address behind an X-Forwarded-For the client rewrites on every request.
 */
vi.mock('next/headers', async () => (await import('../support/action-request.js')).nextHeaders);
vi.mock('next/navigation', async () => (await import('../support/action-request.js')).nextNavigation);
vi.stubEnv('TRUSTED_PROXY_HOPS', '1');
// The limiters read the wall clock; it stands still here, so what is refused does not depend on speed.
vi.useFakeTimers({ toFake: ['Date'], now: Date.parse('2026-12-05T08:00:00Z') });

let db: SqlDatabase;
let deps: TestStoreDeps;
// The store's clock is the same frozen wall clock, so the sign-in throttle's waits never run out.
withTestApp(
  (fresh) => Object.assign(testStoreDeps(fresh), { now: () => Date.now() }),
  (fresh) => {
    deps = fresh;
    db = fresh.db;
  },
);

let n = 0;
const uniqueEmail = (name: string) => `${name}.${process.pid}.${n++}@example.com`;
const PASSWORD = 'correct horse battery';
const links = testLinks();
beforeEach(() => {
  request.jar.clear();
  deps.links = links;
});

/** A request from its own proxy-reported address (the last X-Forwarded-For entry, one trusted hop). */
let addresses = 0;
const fromNewAddress = () => {
  const i = addresses++;
  request.forwardedFor = `10.9.8.7, 198.18.${i >> 8}.${i & 255}`;
};

const formData = (fields: Record<string, string>) => {
  const form = new FormData();
  for (const [name, value] of Object.entries(fields)) form.append(name, value);
  return form;
};

/** A guest checkout through the action, in a browser holding `orderCookie` (if any); its order and cookie. */
async function checkoutInBrowser(email: string, orderCookie?: string) {
  request.jar.clear();
  if (orderCookie) request.jar.set(ORDER_ACCESS_COOKIE, orderCookie);
  const cartId = await cartWith(deps, [['canvas-market-tote-olive', 1]]);
  request.jar.set(CART_COOKIE, cartId);
  const {
    shippingAddress,
    marketing: _m,
    ...contact
  } = checkoutForm(cartId, { email }) as Record<string, unknown>;
  const fields: Record<string, string> = {};
  for (const [k, v] of Object.entries(contact)) fields[k] = String(v);
  for (const [k, v] of Object.entries(shippingAddress as Record<string, string>))
    fields[`shippingAddress.${k}`] = v;
  const url = await redirectOf(() => submitCheckout({}, formData(fields)));
  const cookie = request.jar.get(ORDER_ACCESS_COOKIE) as string;
  request.jar.clear();
  return { orderId: url.replace('/orders/', ''), cookie };
}

describe('saveOrderToAccount from someone else’s browser', () => {
  it('refuses another browser’s order with no, a made-up or another shopper’s nw_orders cookie, or signed in as another account', async () => {
    const victim = uniqueEmail('victim');
    const hers = await checkoutInBrowser(victim);
    const attacker = await checkoutInBrowser(uniqueEmail('attacker'));
    const otherSession = await accountThroughLink(deps, links, {
      email: uniqueEmail('other'),
      password: PASSWORD,
      firstName: 'Mallory',
      lastName: 'M',
    });
    const proofsBefore = await countRows(db, 'store_email_proofs');
    const mailsBefore = links.sent.length;

    const browsers: Record<string, Record<string, string>> = {
      'no cookie': {},
      'a made-up cookie': { [ORDER_ACCESS_COOKIE]: 'A'.repeat(43) },
      'another shopper’s cookie': { [ORDER_ACCESS_COOKIE]: attacker.cookie },
      'another account’s session': { [SHOPPER_SESSION_COOKIE]: otherSession },
      'a session token as the order cookie': { [ORDER_ACCESS_COOKIE]: otherSession },
    };
    for (const [who, cookies] of Object.entries(browsers)) {
      request.jar.clear();
      for (const [name, value] of Object.entries(cookies)) request.jar.set(name, value);
      fromNewAddress();
      const answer = await saveOrderToAccount({}, formData({ orderId: hers.orderId, password: PASSWORD }));
      expect(answer, who).toEqual({ error: { field: 'orderId', message: 'orderId: no such order' } });
    }
    // Nothing mailed to anyone, no link recorded.
    expect(links.sent.length).toBe(mailsBefore);
    expect(await countRows(db, 'store_email_proofs')).toBe(proofsBefore);

    // Her own browser may, and the link goes to her email only.
    request.jar.clear();
    request.jar.set(ORDER_ACCESS_COOKIE, hers.cookie);
    fromNewAddress();
    expect(await saveOrderToAccount({}, formData({ orderId: hers.orderId, password: PASSWORD }))).toEqual({
      sentTo: victim,
    });
    expect(links.sent.slice(mailsBefore).map((m) => m.to)).toEqual([victim]);
  });
});

describe('confirmAccount while signed in as someone else', () => {
  it('signs the browser in as the link’s account only: nothing of one account joins the other', async () => {
    const alice = uniqueEmail('alice');
    const bob = uniqueEmail('bob');
    const bobSession = await accountThroughLink(deps, links, {
      email: bob,
      password: PASSWORD,
      firstName: 'Bob',
      lastName: 'B',
    });
    const bobShopper = await currentShopper(deps, bobSession);
    const alicesOrder = await checkoutInBrowser(alice);
    expect(
      (await signUp(deps, { email: alice, password: PASSWORD, firstName: 'Al', lastName: 'A' }, links)).ok,
    ).toBe(true);

    // Bob's browser follows Alice's link (forwarded to him, or planted on him).
    request.jar.clear();
    request.jar.set(SHOPPER_SESSION_COOKIE, bobSession);
    const url = await redirectOf(() => confirmAccount({}, formData({ token: links.lastToken(alice) ?? '' })));
    expect(url).toBe('/account');
    const now = request.jar.get(SHOPPER_SESSION_COOKIE);
    expect(now).not.toBe(bobSession);
    const aliceShopper = await currentShopper(deps, now);
    expect(aliceShopper).toMatchObject({ email: alice });
    expect(aliceShopper?.customerId).not.toBe(bobShopper?.customerId);

    // Bob's account is still Bob's alone: his session names him, and sees none of Alice's orders.
    expect(await currentShopper(deps, bobSession)).toMatchObject({ email: bob });
    expect(await orderForShopper(deps, alicesOrder.orderId, bobShopper?.customerId)).toBeUndefined();
    expect((await orderForShopper(deps, alicesOrder.orderId, aliceShopper?.customerId))?.id).toBe(
      alicesOrder.orderId,
    );
    // Bob's email and password still sign in as Bob, Alice's as Alice.
    for (const [email, name] of [
      [bob, 'Bob'],
      [alice, 'Al'],
    ] as const) {
      request.jar.clear();
      fromNewAddress();
      expect(await redirectOf(() => signIn({}, formData({ email, password: PASSWORD })))).toBe('/account');
      expect(await currentShopper(deps, request.jar.get(SHOPPER_SESSION_COOKIE))).toMatchObject({
        email,
        firstName: name,
      });
    }
  });
});

describe('the nw_orders cookie across checkouts', () => {
  it('a planted cookie never gains the new order, the old cookie stays with its own orders, and a carried grant keeps its expiry', async () => {
    // The attacker's real order cookie, planted in the shopper's browser before she checks out.
    const planted = await checkoutInBrowser(uniqueEmail('planter'));
    const hers = await checkoutInBrowser(uniqueEmail('shopper'), planted.cookie);
    expect(hers.cookie).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(hers.cookie).not.toBe(planted.cookie);
    expect(await orderForShopper(deps, hers.orderId, undefined, planted.cookie)).toBeUndefined();
    expect((await orderForShopper(deps, hers.orderId, undefined, hers.cookie))?.id).toBe(hers.orderId);

    // Her next checkout: the cookie she had before sees neither the new order nor gains anything.
    const next = await checkoutInBrowser(uniqueEmail('shopper'), hers.cookie);
    expect(await orderForShopper(deps, next.orderId, undefined, hers.cookie)).toBeUndefined();
    expect(await orderForShopper(deps, next.orderId, undefined, planted.cookie)).toBeUndefined();
    expect((await orderForShopper(deps, hers.orderId, undefined, next.cookie))?.id).toBe(hers.orderId);

    // Carrying a grant over never lengthens it: the planted order expires in the new cookie when it
    // did in the planted one.
    const expiries = await db.query<{ expires_at: number }>(
      sql`SELECT expires_at FROM store_order_access WHERE order_id = ${planted.orderId} ORDER BY created_at`,
    );
    expect(new Set(expiries.map((r) => Number(r.expires_at))).size).toBe(1);
  });
});

describe('shopper sign-in throttle behind a trusted proxy', () => {
  it('counts the proxy-reported address however the client rewrites X-Forwarded-For', async () => {
    const email = uniqueEmail('target');
    await accountThroughLink(deps, links, { email, password: PASSWORD, firstName: 'T', lastName: 'T' });
    let refused = 0;
    for (let i = 0; i < 12; i++) {
      // A new entry the client wrote each time, in front of the one the proxy appends.
      request.forwardedFor = `203.0.113.${i}, 198.51.100.77`;
      request.jar.clear();
      const answer = await signIn({}, formData({ email, password: `guess number ${i}` }));
      if (/Too many attempts/.test(answer.error?.message ?? '')) refused++;
    }
    // The free attempts, and one more that starts the first wait (lib/klaviyo-next/http/rate-limit.ts).
    expect(refused).toBe(12 - (ADDRESS_BACKOFF.free + 1));
    // The right password from that address waits too; the owner at another address gets in.
    request.forwardedFor = '192.0.2.200, 198.51.100.77';
    expect((await signIn({}, formData({ email, password: PASSWORD }))).error?.message).toMatch(
      /Too many attempts/,
    );
    fromNewAddress();
    expect(await redirectOf(() => signIn({}, formData({ email, password: PASSWORD })))).toBe('/account');
  });

  it('slows guesses spread over many proxy-reported addresses by the account brake', async () => {
    const email = uniqueEmail('spread');
    await accountThroughLink(deps, links, { email, password: PASSWORD, firstName: 'S', lastName: 'S' });
    const answers = [];
    for (let i = 0; i < 25; i++) {
      fromNewAddress();
      answers.push(await signIn({}, formData({ email, password: `guess number ${i}` })));
    }
    const refused = answers.filter((a) => /Too many attempts/.test(a.error?.message ?? '')).length;
    expect(refused).toBe(25 - (ACCOUNT_BACKOFF.free + 1));
  });
});
