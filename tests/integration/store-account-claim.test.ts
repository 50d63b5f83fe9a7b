import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sql from 'sql-template-tag';
import { describe, expect, it } from 'vitest';
import { linksFromSettings } from '../../lib/store/account-links.js';
import {
  confirmAccountLink,
  currentShopper,
  requestOrderAccount,
  signIn,
  signUp,
} from '../../lib/store/accounts.js';
import { LINK_TTL_MS } from '../../lib/store/email-proof.js';
import { fileMailer } from '../../lib/store/mailer.js';
import { placeOrder } from '../../lib/store/orders/place-order.js';
import { orderForShopper, ordersOfCustomer } from '../../lib/store/shopper-orders.js';
import { shopperEmail, startShopperSession } from '../../lib/store/shopper-session.js';
import { demoStorefront } from '../../lib/store/storefront.js';
import { accountThroughLink, testLinks } from '../support/account-links.js';
import {
  cartWith,
  checkoutForm,
  countRows,
  onBothDatabases,
  type TestStoreDeps,
  testStoreDeps,
} from '../support/store-fixtures.js';

/**
 * A checkout proves nothing about an email. These tests play the attacker: a guest checkout with an
 * existing customer's email, sign-up for someone else's address, made-up, altered, expired and
 * replayed links, two browsers racing with one link, and order numbers guessed in sequence.
 */
let n = 0;
const uniqueEmail = (name: string) => `${name}.${process.pid}.${n++}@example.com`;
const PASSWORD = 'correct horse battery';
const account = (email: string) => ({ email, password: PASSWORD, firstName: 'Vera', lastName: 'Victim' });

async function guestCheckout(deps: TestStoreDeps, email: string, previousAccess?: string) {
  const placed = await placeOrder(
    deps,
    checkoutForm(await cartWith(deps, [['canvas-market-tote-olive', 1]]), { email, marketing: {} }),
    async () => (previousAccess ? { orderAccess: previousAccess } : {}),
  );
  if (!placed.ok) throw new Error(placed.error.message);
  return { orderId: placed.data.orderId, access: placed.data.orderAccess as string };
}

/** Every answer a browser holding `token` gets about this order: none may be yes. */
async function reaches(deps: TestStoreDeps, token: string, orderId: string) {
  return {
    order: Boolean(await orderForShopper(deps, orderId, undefined, token)),
    shopper: await currentShopper(deps, token),
    relayIdentity: await demoStorefront(deps).shopperEmail(token),
  };
}

onBothDatabases('guest checkout and account claiming', (db) => {
  it('a guest checkout with an existing account’s email reaches none of her orders, her account or her identity', async () => {
    const deps = testStoreDeps(db());
    const links = testLinks();
    const victim = uniqueEmail('vera');
    const session = await accountThroughLink(deps, links, account(victim));
    const hers = await guestCheckout(deps, victim);

    const attacker = await guestCheckout(deps, victim);
    expect(attacker.access).toMatch(/^[A-Za-z0-9_-]{43}$/);
    // Not a sign-in, not the relay's verified identity, and not her order.
    expect(await reaches(deps, attacker.access, hers.orderId)).toEqual({
      order: false,
      shopper: undefined,
      relayIdentity: undefined,
    });
    expect(await shopperEmail(db(), attacker.access, deps.now())).toBeUndefined();
    // The attacker's browser sees only the order it placed.
    expect((await orderForShopper(deps, attacker.orderId, undefined, attacker.access))?.id).toBe(
      attacker.orderId,
    );

    // Sign-up for her email answers like any other, and mails her (not a link: she has an account).
    const mailsBefore = links.sent.length;
    expect(await signUp(deps, account(victim), links)).toEqual({ ok: true, data: { sentTo: victim } });
    const note = links.sent.slice(mailsBefore);
    expect(note).toEqual([
      expect.objectContaining({ to: victim, subject: expect.stringMatching(/already/) }),
    ]);
    expect(note[0]?.link).toBeUndefined();

    // "Save this order to an account" from the attacker's browser mails the order's email, never his.
    const claim = await requestOrderAccount(
      deps,
      { orderId: attacker.orderId, password: 'attacker password!' },
      { orderAccess: attacker.access },
      links,
    );
    expect(claim).toEqual({ ok: true, data: { sentTo: victim } });
    expect(links.sent.every((m) => m.to === victim)).toBe(true);

    // Her own session, proven by her link, sees all her orders and is her relay identity.
    const signedIn = await currentShopper(deps, session);
    expect(signedIn).toMatchObject({ email: victim, hasAccount: true });
    expect(await demoStorefront(deps).shopperEmail(session)).toBe(victim);
    const orders = await ordersOfCustomer(deps, signedIn?.customerId as string);
    expect(orders.map((o) => o.id)).toContain(hers.orderId);
  });

  it('sign-up for anyone’s email creates nothing until the link mailed to that email is followed', async () => {
    const deps = testStoreDeps(db());
    const links = testLinks();
    const stranger = uniqueEmail('stranger');
    const before = await countRows(db(), 'store_customer_credentials');

    // The attacker pre-registers the address: the link goes to the address, not to him.
    const requested = await signUp(deps, account(stranger), links);
    expect(requested).toEqual({ ok: true, data: { sentTo: stranger } });
    expect(links.sent.map((m) => m.to)).toEqual([stranger]);
    expect(await countRows(db(), 'store_customer_credentials')).toBe(before);
    const wrong = await signIn(deps, { email: stranger, password: PASSWORD });
    expect(wrong.ok).toBe(false);

    // She checks out as a guest later: still nobody else can sign in as her.
    const { orderId, access } = await guestCheckout(deps, stranger);
    expect((await signIn(deps, { email: stranger, password: PASSWORD })).ok).toBe(false);
    // The guest's own browser may save the order to an account: the link goes to her email.
    const saved = await requestOrderAccount(
      deps,
      { orderId, password: 'her own password' },
      { orderAccess: access },
      links,
    );
    expect(saved).toEqual({ ok: true, data: { sentTo: stranger } });
    const confirmed = await confirmAccountLink(deps, links.lastToken(stranger), links);
    if (!confirmed.ok) throw new Error(confirmed.error.message);
    const shopper = await currentShopper(deps, confirmed.data.sessionToken);
    expect(shopper).toMatchObject({ email: stranger, firstName: 'Ada' }); // names from the order
    expect((await orderForShopper(deps, orderId, shopper?.customerId))?.id).toBe(orderId);
    // And the password she chose with it is the one that signs in, not the attacker's.
    expect((await signIn(deps, { email: stranger, password: 'her own password' })).ok).toBe(true);
    expect((await signIn(deps, { email: stranger, password: PASSWORD })).ok).toBe(false);
  });

  it('refuses a made-up, altered, wrongly signed, expired or replayed link', async () => {
    const deps = testStoreDeps(db());
    const links = testLinks();
    const email = uniqueEmail('links');
    await signUp(deps, account(email), links);
    const token = links.lastToken(email) as string;
    const [id, expiry, sig] = token.split('.') as [string, string, string];
    const flip = (s: string) => (s[0] === 'A' ? 'B' : 'A') + s.slice(1);
    const refusals = [
      undefined,
      '',
      'not-a-token',
      `${'A'.repeat(24)}.${expiry}.${sig}`,
      `${flip(id)}.${expiry}.${sig}`,
      `${id}.${Number(expiry) + LINK_TTL_MS}.${sig}`,
      `${id}.${expiry}.${flip(sig)}`,
      `${token} `,
    ];
    for (const forged of refusals) {
      expect(await confirmAccountLink(deps, forged, links), String(forged)).toMatchObject({
        ok: false,
        error: { field: 'token', message: expect.stringMatching(/not valid/) },
      });
    }
    // Signed with another server's secret.
    expect(
      await confirmAccountLink(deps, token, testLinks('another-secret-another-secret-0123456')),
    ).toMatchObject({
      ok: false,
      error: { message: expect.stringMatching(/not valid/) },
    });

    // Expired: the same link 30 minutes and a second later.
    const late = { ...deps, now: () => Number(expiry) + 1 };
    expect(await confirmAccountLink(late, token, links)).toMatchObject({
      ok: false,
      error: { message: expect.stringMatching(/expired/) },
    });

    // Used once, refused after.
    expect((await confirmAccountLink(deps, token, links)).ok).toBe(true);
    expect(await confirmAccountLink(deps, token, links)).toMatchObject({
      ok: false,
      error: { message: expect.stringMatching(/already been used/) },
    });
  });

  it('lets exactly one of two browsers racing with one link in', async () => {
    const deps = testStoreDeps(db());
    const links = testLinks();
    const email = uniqueEmail('race');
    await signUp(deps, account(email), links);
    const token = links.lastToken(email);
    const results = await Promise.all([
      confirmAccountLink(deps, token, links),
      confirmAccountLink(deps, token, links),
    ]);
    expect(results.filter((r) => r.ok)).toHaveLength(1);
    expect(results.find((r) => !r.ok)).toMatchObject({ error: { message: expect.stringMatching(/used/) } });
    const [sessions] = await db().query<{
      n: number;
    }>(sql`SELECT COUNT(*) AS n FROM store_shopper_sessions s JOIN store_customers c ON c.id = s.customer_id
       WHERE c.email = ${email}`);
    expect(Number(sessions?.n)).toBe(1);
  });

  it('lets one of two different sign-up links for one email create the account, and refuses the other', async () => {
    const deps = testStoreDeps(db());
    const links = testLinks();
    const email = uniqueEmail('twice');
    await signUp(deps, account(email), links);
    const first = links.lastToken(email);
    await signUp(deps, { ...account(email), password: 'another password' }, links);
    const second = links.lastToken(email);
    const results = await Promise.all([
      confirmAccountLink(deps, first, links),
      confirmAccountLink(deps, second, links),
    ]);
    expect(results.filter((r) => r.ok)).toHaveLength(1);
    expect(results.find((r) => !r.ok)).toMatchObject({ error: { message: expect.stringMatching(/exists/) } });
  });

  it('answers two sign-up requests for one email sent at once, and lets exactly one of their links make the account', async () => {
    const deps = testStoreDeps(db());
    const links = testLinks();
    const email = uniqueEmail('interleaved');
    const requests = await Promise.all([
      signUp(deps, account(email), links),
      signUp(deps, { ...account(email), password: 'the other password' }, links),
    ]);
    expect(requests).toEqual([
      { ok: true, data: { sentTo: email } },
      { ok: true, data: { sentTo: email } },
    ]);
    const tokens = links.sent.map((m) => (m.link ? new URL(m.link).searchParams.get('token') : null));
    expect(tokens).toHaveLength(2);
    expect(new Set(tokens).size).toBe(2);
    const results = await Promise.all(tokens.map((token) => confirmAccountLink(deps, token, links)));
    expect(results.filter((r) => r.ok)).toHaveLength(1);
    const [credentials] = await db().query<{
      n: number;
    }>(sql`SELECT COUNT(*) AS n FROM store_customer_credentials k JOIN store_customers c ON c.id = k.customer_id
       WHERE c.email = ${email}`);
    expect(Number(credentials?.n)).toBe(1);
    // Exactly one of the two passwords signs in (one after the other: this test is about sign-up).
    const signIns = [
      await signIn(deps, { email, password: PASSWORD }, { links }),
      await signIn(deps, { email, password: 'the other password' }, { links }),
    ];
    expect(signIns.filter((r) => r.ok)).toHaveLength(1);

    // Once the account exists, two more requests at once each mail its owner a note, no link.
    const before = links.sent.length;
    await Promise.all([signUp(deps, account(email), links), signUp(deps, account(email), links)]);
    expect(links.sent.slice(before).map((m) => m.link)).toEqual([undefined, undefined]);
  });

  it('answers the same nothing for a guessed order number with no, a made-up or another shopper’s cookie', async () => {
    const deps = testStoreDeps(db());
    const links = testLinks();
    const mine = await guestCheckout(deps, uniqueEmail('owner'));
    const other = await guestCheckout(deps, uniqueEmail('other'));
    const otherAccount = await accountThroughLink(deps, links, account(uniqueEmail('account')));
    const otherShopper = await currentShopper(deps, otherAccount);
    const number = Number(mine.orderId.slice(3));
    for (const guess of [mine.orderId, `NW-${number - 1}`, `NW-${number + 1}`]) {
      expect(await orderForShopper(deps, guess, undefined, undefined)).toBeUndefined();
      expect(await orderForShopper(deps, guess, undefined, 'x'.repeat(43))).toBeUndefined();
      if (guess !== other.orderId)
        expect(await orderForShopper(deps, guess, undefined, other.access)).toBeUndefined();
      expect(await orderForShopper(deps, guess, otherShopper?.customerId, otherAccount)).toBeUndefined();
    }
  });

  it('carries a browser’s earlier orders to its new cookie, and never to a cookie planted before checkout', async () => {
    const deps = testStoreDeps(db());
    const first = await guestCheckout(deps, uniqueEmail('repeat'));
    const second = await guestCheckout(deps, uniqueEmail('repeat'), first.access);
    expect(second.access).not.toBe(first.access);
    expect(await orderForShopper(deps, first.orderId, undefined, second.access)).toBeDefined();
    expect(await orderForShopper(deps, second.orderId, undefined, second.access)).toBeDefined();
    // The earlier cookie (say, one an attacker planted) does not gain the new order.
    expect(await orderForShopper(deps, second.orderId, undefined, first.access)).toBeUndefined();
  });

  it('treats a session of an account with no proven email as nobody, and confirms it by link at sign-in', async () => {
    const deps = testStoreDeps(db());
    const links = testLinks();
    const email = uniqueEmail('legacy');
    // An account as the old sign-up made it (no proof), and a session as old guest checkouts did.
    const { access: _a } = await guestCheckout(deps, email);
    const [customer] = await db().query<{ id: string }>(
      sql`SELECT id FROM store_customers WHERE email = ${email}`,
    );
    const customerId = customer?.id as string;
    const { hashPassword } = await import('../../lib/auth/password.js');
    await db().query(
      sql`INSERT INTO store_customer_credentials (customer_id, password_hash, created_at, updated_at) VALUES (${customerId}, ${await hashPassword(PASSWORD)}, 0, 0)`,
    );
    const stale = await startShopperSession(db(), customerId, deps.now());
    expect(await currentShopper(deps, stale)).toBeUndefined();
    expect(await shopperEmail(db(), stale, deps.now())).toBeUndefined();

    // The right password gets a link, not a session.
    const refused = await signIn(deps, { email, password: PASSWORD }, { links });
    expect(refused).toMatchObject({
      ok: false,
      error: { message: expect.stringMatching(/confirm your email/) },
    });
    expect(links.sent.at(-1)).toMatchObject({
      to: email,
      link: expect.stringContaining('/account/confirm?token='),
    });
    const confirmed = await confirmAccountLink(deps, links.lastToken(email), links);
    if (!confirmed.ok) throw new Error(confirmed.error.message);
    expect(await shopperEmail(db(), confirmed.data.sessionToken, deps.now())).toBe(email);
    expect((await signIn(deps, { email, password: PASSWORD }, { links })).ok).toBe(true);
  });

  it('lets the owner who proves the email replace an account someone pre-registered without proof', async () => {
    const deps = testStoreDeps(db());
    const links = testLinks();
    const email = uniqueEmail('preregistered');
    // What the old sign-up allowed: anyone made an account for any email, and was signed in.
    const { hashPassword } = await import('../../lib/auth/password.js');
    const customerId = `legacy-${n++}`;
    await db().query(sql`INSERT INTO store_customers (id, email, first_name, last_name, orders_count, created_at, updated_at)
       VALUES (${customerId}, ${email}, 'Mallory', 'M', 0, 0, 0)`);
    await db().query(
      sql`INSERT INTO store_customer_credentials (customer_id, password_hash, created_at, updated_at) VALUES (${customerId}, ${await hashPassword('mallory password')}, 0, 0)`,
    );
    const mallorySession = await startShopperSession(db(), customerId, deps.now());

    // The owner signs up: her link is mailed (the unproven account does not block it), and following
    // it replaces the password and ends the squatter's sessions.
    const session = await accountThroughLink(deps, links, account(email));
    expect(await currentShopper(deps, session)).toMatchObject({ customerId, email, firstName: 'Vera' });
    expect(await currentShopper(deps, mallorySession)).toBeUndefined();
    expect((await signIn(deps, { email, password: 'mallory password' }, { links })).ok).toBe(false);
    expect((await signIn(deps, { email, password: PASSWORD }, { links })).ok).toBe(true);
  });
});

describe('account link settings', () => {
  const UNSET = { linkSecret: undefined, mailFile: undefined };
  it('refuses to make links in production without STORE_LINK_SECRET, naming it', () => {
    expect(() => linksFromSettings({ nodeEnv: 'production', storeAccounts: UNSET })).toThrow(
      /STORE_LINK_SECRET/,
    );
    const secret = 'p'.repeat(40);
    expect(
      linksFromSettings({ nodeEnv: 'production', storeAccounts: { ...UNSET, linkSecret: secret } }).secret,
    ).toBe(secret);
  });

  it('uses one random secret per process in development, never a constant from the source', () => {
    const a = linksFromSettings({ nodeEnv: 'development', storeAccounts: UNSET });
    const b = linksFromSettings({ nodeEnv: 'development', storeAccounts: UNSET });
    expect(a.secret).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(b.secret).toBe(a.secret);
  });
});

describe('fileMailer', () => {
  it('appends one JSON line per mail, which a test can read the link from', async () => {
    const path = join(mkdtempSync(join(tmpdir(), 'mail-')), 'nested', 'mail.jsonl');
    const send = fileMailer(path);
    await send({
      to: 'a@example.com',
      subject: 'One',
      text: 'x',
      link: 'https://shop.test/account/confirm?token=t',
    });
    await send({ to: 'b@example.com', subject: 'Two', text: 'y' });
    const lines = readFileSync(path, 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    expect(lines).toMatchObject([
      { to: 'a@example.com', link: 'https://shop.test/account/confirm?token=t' },
      { to: 'b@example.com', subject: 'Two' },
    ]);
  });
});
