import fc from 'fast-check';
import { describe, expect, it, vi } from 'vitest';
import { cancelOrder, fulfilOrder, refundOrder } from '../../app/(admin)/admin/(dashboard)/orders/actions.js';
import * as accountActions from '../../app/(store)/account/actions.js';
import { notifyWhenBack } from '../../app/(store)/back-in-stock/actions.js';
import {
  addToBag,
  addToCart,
  removeFromCart,
  restoreCart,
  updateCartLine,
} from '../../app/(store)/cart/actions.js';
import { placeOrder, submitCheckout } from '../../app/(store)/checkout/actions.js';
import { saveTrackingConsent } from '../../app/(store)/consent/actions.js';
import {
  ATTACKER,
  actionInput,
  anyValue,
  COOKIE_NAMES,
  type CookieValue,
  checkoutFieldsArb,
  consentFieldsArb,
  cookiesArb,
  emailArb,
  GUEST_VICTIM,
  headerJunk,
  isRef,
  junk,
  lineQuantitiesArb,
  nameArb,
  orderIdArb,
  passwordArb,
  shaped,
  toFormData,
  VICTIM,
  variantArb,
} from '../support/fuzz-arbitraries.js';
import {
  FUZZ_TEST_TIMEOUT,
  fuzz,
  outcome,
  runsFor,
  summary,
  type Violation,
} from '../support/fuzz-harness.js';
import {
  lastOutboxId,
  messageProblems,
  normalisedIdentifiers,
  type OutboxRow,
  outboxRowsAfter,
  ownershipProblems,
} from '../support/fuzz-invariants.js';
import { NavigationSignal, startRequest } from '../support/fuzz-request.js';
import { withFuzzWorld } from '../support/fuzz-setup.js';
import { STOCKED } from '../support/fuzz-world.js';

/** Every run starts with no rate-limit counters: the fuzzer is one client, and limits have tests of their own. */
const forgetLimits = () => seeded.relay.db.query(sql`DELETE FROM klaviyo_rate_limits`).catch(() => undefined);

import sql, { join } from 'sql-template-tag';
import { cartWith } from '../support/store-fixtures.js';

/**
 * The storefront's server actions (cart, checkout, account, back in stock, consent, back office)
 * with generated arguments and cookies: never a throw (other than Next.js's redirect), never a
 * failure "on our side", nothing malformed enqueued, nothing written to a profile the caller does not
 * own, and no cookie that opens another customer's account or orders.
 */

// The app's composition root, built by the same factories over the fuzz world's database.
vi.mock('../../lib/app/index.js', async () => (await import('../support/app-under-test.js')).appModule);
vi.mock('next/headers', async () => (await import('../support/fuzz-request.js')).nextHeaders);
vi.setConfig({ testTimeout: FUZZ_TEST_TIMEOUT });
vi.mock('next/navigation', async () => (await import('../support/fuzz-request.js')).nextNavigation);
vi.stubEnv('KLAVIYO_API_URL', 'http://127.0.0.1:9');

const seeded = withFuzzWorld();

interface Caller {
  cookies: [string, CookieValue][];
  headers: Record<string, string>;
}

const callerArb: fc.Arbitrary<Caller> = fc.record({
  cookies: cookiesArb,
  headers: fc.record(
    {
      'x-forwarded-for': headerJunk,
      origin: fc.constantFrom('https://shop.test', 'https://evil.test'),
      host: fc.constant('shop.test'),
    },
    { requiredKeys: [] },
  ) as fc.Arbitrary<Record<string, string>>,
});

/** Which customers a cookie value opens: a session, an order grant, whatever the store issues. */
async function customersOpenedBy(token: string): Promise<Set<string>> {
  const out = new Set<string>();
  const customer = await seeded.world.customerOfToken(token);
  if (customer) out.add(customer);
  const orders = await seeded.relay.db
    .query<{ customer_id: string }>(
      sql`SELECT o.customer_id FROM store_order_access a JOIN store_orders o ON o.id = a.order_id
       WHERE a.token_hash = ${await sha256(token)} AND o.id IN (${join(seeded.world.victimOrders)})`,
    )
    .catch(() => []);
  for (const r of orders) out.add(r.customer_id);
  return out;
}
const sha256 = async (text: string) =>
  (await import('node:crypto')).createHash('sha256').update(text).digest('hex');

/** What the caller held, as verified identities and the victims it could already open. */
function callerHeld(caller: Caller) {
  const values = caller.cookies.map(([, v]) => v);
  const refs = new Set(values.filter(isRef).map((v) => v.ref));
  const mayOpen = new Set<string>();
  if (refs.has('victim-session')) mayOpen.add(seeded.world.customers.victim);
  if (refs.has('guest-victim-session')) mayOpen.add(seeded.world.customers.guestVictim);
  const shopperValues = caller.cookies.filter(([k]) => k === COOKIE_NAMES.shopper).map(([, v]) => v);
  return { verified: seeded.world.verifiedBy(shopperValues), mayOpen };
}

interface Expect {
  /** Unverified identifiers a row may carry for this action, and in which rows (a placed order's). */
  allowed?: { values: Set<string>; rows: (row: OutboxRow) => boolean };
  /** The action must change nothing at all (the back office without a merchant). */
  nothing?: boolean;
  /** Checks of the cookies the action set (undefined: deleted). */
  cookies?: (writes: [string, string | undefined][]) => Violation[];
}

/** Runs one action as `caller` and checks every invariant; `call` gets the resolved cookies set. */
async function runAction(
  caller: Caller,
  call: () => Promise<unknown>,
  expectations: Expect = {},
): Promise<Violation[]> {
  const cookies = caller.cookies.map(([k, v]) => [k, seeded.world.resolve(v)] as [string, string]);
  const request = startRequest(cookies, caller.headers);
  await forgetLimits();
  const before = await lastOutboxId(seeded.relay.db);
  const logsBefore = seeded.relay.store.logs.length;
  let result: unknown;
  const violations: Violation[] = [];
  try {
    result = await call();
    outcome(resultLabel(result));
  } catch (error) {
    if (!(error instanceof NavigationSignal)) throw error;
    outcome(error.kind);
  }
  for (const log of seeded.relay.store.logs.slice(logsBefore))
    if (/failed|error/i.test(log.event))
      violations.push({
        name: 'failed on our side (a 5xx)',
        detail: `${log.event} ${JSON.stringify(log.fields).slice(0, 300)}`,
      });

  const rows = await outboxRowsAfter(seeded.relay.db, before);
  if (rows.length) outcome('enqueued');
  const held = callerHeld(caller);
  for (const row of rows) {
    for (const p of messageProblems(row))
      violations.push({ name: 'invalid message enqueued', detail: `${row.kind}: ${p}` });
    for (const p of ownershipProblems(row, { verified: held.verified, allowed: expectations.allowed }))
      violations.push({ name: 'write to a profile the caller does not own', detail: p });
  }
  if (expectations.nothing) {
    if (rows.length)
      violations.push({
        name: 'back office acted without a merchant',
        detail: `${rows.length} rows: ${rows[0]?.key}`,
      });
    if (isOk(result))
      violations.push({
        name: 'back office acted without a merchant',
        detail: JSON.stringify(result).slice(0, 200),
      });
  }
  violations.push(...(expectations.cookies?.(request.writes) ?? []));
  // A cookie the action set must not open a customer the caller could not open before.
  for (const [name, value] of request.writes) {
    if (value === undefined) continue;
    for (const customer of await customersOpenedBy(value)) {
      if (held.mayOpen.has(customer)) continue;
      if (customer === seeded.world.customers.victim || customer === seeded.world.customers.guestVictim)
        violations.push({
          name: 'cookie opens another customer',
          detail: `${name} now opens ${customer === seeded.world.customers.victim ? 'the account holder' : 'the guest customer'}`,
        });
    }
  }
  return violations;
}

const isOk = (r: unknown) => typeof r === 'object' && r !== null && (r as { ok?: unknown }).ok === true;
function resultLabel(r: unknown): string {
  if (typeof r !== 'object' || r === null) return String(r);
  const o = r as { ok?: boolean; error?: { field?: string; code?: string; message?: string } };
  if (o.ok === true) return 'ok';
  if (o.error)
    return `refused ${o.error.field?.split('.')[0]?.slice(0, 20) ?? o.error.code ?? `"${o.error.message?.slice(0, 40)}"`}`;
  return 'state';
}

async function expectClean(
  target: string,
  arb: fc.Arbitrary<unknown>,
  check: (input: never) => Promise<Violation[]>,
  ci: number,
) {
  const report = await fuzz(target, arb as fc.Arbitrary<never>, check, runsFor(ci));
  expect(report.failures, summary(report)).toEqual({});
}

// ---- cart -------------------------------------------------------------------------------------------

const cartIdArb = fc.oneof(
  { weight: 3, arbitrary: fc.nat(3).map((i) => seeded.carts[i] as string) },
  { weight: 1, arbitrary: fc.uuid() },
  { weight: 1, arbitrary: junk },
);
const quantityArb = fc.oneof(
  { weight: 6, arbitrary: fc.integer({ min: 1, max: 3 }) },
  { weight: 1, arbitrary: fc.oneof(fc.integer({ min: -3, max: 15 }), fc.nat().map(String), fc.double()) },
);
// A line is named by its variant; the cart comes from the cookie (a cartId field is replaced).
const cartFields = (quantity: boolean) =>
  shaped({ variantId: variantArb, ...(quantity ? { quantity: quantityArb } : {}), cartId: cartIdArb });
const withCartCookie = fc.tuple(callerArb, fc.option(cartIdArb, { nil: undefined })).map(([c, cart]) => ({
  ...c,
  cookies:
    cart === undefined ? c.cookies : ([[COOKIE_NAMES.cart, cart], ...c.cookies] as [string, CookieValue][]),
}));

describe('fuzz: cart actions', () => {
  for (const [name, action, quantity] of [
    ['addToCart', addToCart, true],
    ['updateCartLine', updateCartLine, true],
    ['removeFromCart', removeFromCart, false],
    ['addToBag', addToBag, true],
  ] as const) {
    it(name, async () => {
      await expectClean(
        `action cart/${name}`,
        fc.record({ caller: withCartCookie, input: actionInput(cartFields(quantity)) }),
        ({ caller, input }: { caller: Caller; input: unknown }) => runAction(caller, () => action(input)),
        200,
      );
    });
  }

  it('restoreCart', async () => {
    await expectClean(
      'action cart/restoreCart',
      fc.record({ caller: callerArb, input: fc.oneof(cartIdArb, anyValue) }),
      ({ caller, input }: { caller: Caller; input: unknown }) => runAction(caller, () => restoreCart(input)),
      200,
    );
  });
});

// ---- checkout ---------------------------------------------------------------------------------------

/** A fresh cart with stock most of the time, so the fuzzed checkout can go all the way through. */
const checkoutArb = fc.record({
  caller: callerArb,
  freshCart: fc.boolean(),
  fields: checkoutFieldsArb(fc.oneof(fc.constant('$fresh'), cartIdArb)),
  form: fc.boolean(),
  // One time in ten the argument is not a form at all.
  raw: fc.oneof({ weight: 9, arbitrary: fc.constant(null) }, { weight: 1, arbitrary: anyValue }),
});

async function checkout(
  input: { caller: Caller; freshCart: boolean; fields: Record<string, unknown>; form: boolean; raw: unknown },
  submit: (arg: unknown) => Promise<unknown>,
) {
  await seeded.world.topUpStock();
  const cart = await cartWith(seeded.relay.store, [[STOCKED[1] as string, 1]]);
  const fields = { ...input.fields };
  if (fields.cartId === '$fresh' || input.freshCart) fields.cartId = cart;
  const caller: Caller = { ...input.caller, cookies: [[COOKIE_NAMES.cart, cart], ...input.caller.cookies] };
  const arg = input.raw ?? (input.form ? toFormData(fields) : fields);
  // A placed order may carry the email and phone given for it (DESIGN.md): its events and its
  // profile write; consent still only for the identifier consented with.
  const typed = normalisedIdentifiers(fields.email, fields.phone);
  const placed = async () => {
    const result = await submit(arg);
    const id = (result as { data?: { orderId?: unknown } })?.data?.orderId;
    if (typeof id === 'string') seeded.world.orders.push(id);
    return result;
  };
  return runAction(caller, placed, {
    allowed: { values: typed, rows: (row) => row.kind === 'event' || row.key.startsWith('profile:order:') },
  });
}

describe('fuzz: checkout actions', () => {
  it('placeOrder', async () => {
    await expectClean(
      'action checkout/placeOrder',
      checkoutArb,
      (input: never) => checkout(input, placeOrder),
      200,
    );
  });
  it('submitCheckout', async () => {
    await expectClean(
      'action checkout/submitCheckout',
      checkoutArb.map((i) => ({ ...i, form: true, raw: null })),
      (input: never) => checkout(input, (form) => submitCheckout({}, form as FormData)),
      200,
    );
  });
});

// ---- account ----------------------------------------------------------------------------------------

const accountAction = (name: string) =>
  (accountActions as Record<string, unknown>)[name] as ((...args: unknown[]) => Promise<unknown>) | undefined;

const signUpFields = shaped({
  email: emailArb,
  password: passwordArb,
  firstName: nameArb,
  lastName: nameArb,
  marketing: consentFieldsArb,
  next: fc.constantFrom('/account', '//evil.test', 'https://evil.test', '/orders/NW-000001'),
});
const signInFields = shaped({
  email: fc.oneof(emailArb, fc.constantFrom(ATTACKER.email, VICTIM.email, GUEST_VICTIM.email)),
  password: passwordArb,
  next: fc.constantFrom('/account', '//evil.test', 'javascript:alert(1)'),
});
/** A sign-up's profile write may name the new account's email, unless that email is a customer's already. */
const signUpAllowed = (fields: Record<string, unknown>) => {
  const typed = normalisedIdentifiers(fields.email, undefined);
  for (const v of normalisedIdentifiers(VICTIM.email, VICTIM.phone)) typed.delete(v);
  for (const v of normalisedIdentifiers(GUEST_VICTIM.email, GUEST_VICTIM.phone)) typed.delete(v);
  return { values: typed, rows: (row: OutboxRow) => row.key.startsWith('profile:account:') };
};

describe('fuzz: account actions', () => {
  it('signUp', async () => {
    const signUp = accountAction('signUp');
    await expectClean(
      'action account/signUp',
      fc.record({ caller: callerArb, fields: signUpFields }),
      ({ caller, fields }: { caller: Caller; fields: Record<string, unknown> }) =>
        runAction(caller, async () => signUp?.({}, toFormData(fields)), { allowed: signUpAllowed(fields) }),
      // An accepted sign-up may hash a password (about 100 ms of scrypt).
      100,
    );
  });

  it('signIn', async () => {
    const signIn = accountAction('signIn');
    await expectClean(
      'action account/signIn',
      fc.record({ caller: callerArb, fields: signInFields }),
      ({ caller, fields }: { caller: Caller; fields: Record<string, unknown> }) =>
        runAction(caller, async () => signIn?.({}, toFormData(fields))),
      20,
    );
  });

  it('signOut', async () => {
    const signOut = accountAction('signOut');
    await expectClean(
      'action account/signOut',
      fc.record({ caller: callerArb }),
      ({ caller }: { caller: Caller }) =>
        // A fuzzed sign-out must not end the seeded sessions the other targets send.
        runAction({ ...caller, cookies: caller.cookies.filter(([, v]) => !isRef(v)) }, async () =>
          signOut?.(),
        ),
      200,
    );
  });

  for (const name of ['saveOrderToAccount', 'confirmAccount']) {
    it(name, async () => {
      const action = accountAction(name);
      if (!action) return; // not in this version of the store
      await expectClean(
        `action account/${name}`,
        fc.record({
          caller: callerArb,
          fields: shaped({ orderId: orderIdArb(() => seeded.world.orders), token: junk, email: emailArb }),
        }),
        ({ caller, fields }: { caller: Caller; fields: Record<string, unknown> }) =>
          runAction(caller, async () => action({}, toFormData(fields))),
        100,
      );
    });
  }
});

// ---- back in stock, consent -------------------------------------------------------------------------

describe('fuzz: back in stock and consent actions', () => {
  it('notifyWhenBack', async () => {
    await expectClean(
      'action back-in-stock/notifyWhenBack',
      fc.record({ caller: callerArb, fields: shaped({ variantId: variantArb, email: emailArb }) }),
      ({ caller, fields }: { caller: Caller; fields: Record<string, unknown> }) =>
        runAction(caller, () => notifyWhenBack({}, toFormData(fields))),
      300,
    );
  });

  it('saveTrackingConsent', async () => {
    await expectClean(
      'action consent/saveTrackingConsent',
      fc.record({ caller: callerArb, choice: fc.oneof(fc.constantFrom('granted', 'denied'), anyValue) }),
      ({ caller, choice }: { caller: Caller; choice: unknown }) =>
        runAction(caller, () => saveTrackingConsent(choice), {
          cookies: (writes) =>
            writes.some(
              ([name, value]) =>
                name === COOKIE_NAMES.tracking &&
                (value !== choice || (choice !== 'granted' && choice !== 'denied')),
            )
              ? [
                  {
                    name: 'consent cookie holds something else',
                    detail: JSON.stringify(writes).slice(0, 200),
                  },
                ]
              : [],
        }),
      300,
    );
  });
});

// ---- back office ------------------------------------------------------------------------------------

const orderField = orderIdArb(() => seeded.world.orders);
const someLines = fc.oneof(
  { weight: 3, arbitrary: fc.constant(undefined) },
  { weight: 1, arbitrary: lineQuantitiesArb },
);
const reason = fc.constantFrom('customer asked', '');
const lifecycleFields = {
  fulfilOrder: shaped({
    orderId: orderField,
    lines: someLines,
    carrier: fc.constantFrom('UPS', ''),
    trackingNumber: fc.constantFrom('1Z999', ''),
  }),
  cancelOrder: shaped({ orderId: orderField, reason }),
  refundOrder: shaped({
    orderId: orderField,
    amountCents: fc.oneof(
      fc.integer({ min: 1, max: 5_000 }),
      fc.integer({ min: -5, max: 100_000 }),
      fc.nat().map(String),
    ),
    lines: someLines,
    reason,
  }),
};

describe('fuzz: back-office actions (no merchant signed in)', () => {
  for (const [name, action] of [
    ['fulfilOrder', fulfilOrder],
    ['cancelOrder', cancelOrder],
    ['refundOrder', refundOrder],
  ] as const) {
    it(name, async () => {
      await expectClean(
        `action back-office/${name}`,
        fc.record({ caller: callerArb, input: actionInput(lifecycleFields[name]) }),
        ({ caller, input }: { caller: Caller; input: unknown }) =>
          runAction(caller, () => action(input), { nothing: true }),
        200,
      );
    });
  }
});
