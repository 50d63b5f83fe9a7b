import { createHash, randomUUID } from 'node:crypto';
import { encode } from 'next-auth/jwt';
import sql from 'sql-template-tag';
import { hashPassword } from '../../lib/auth/password.js';
import type { SqlDatabase } from '../../lib/klaviyo-next/sql/types.js';
import { setStock } from '../../lib/store/inventory.js';
import { placeOrder } from '../../lib/store/orders/place-order.js';
import { startShopperSession } from '../../lib/store/shopper-session.js';
import {
  ATTACKER,
  type CookieValue,
  GUEST_VICTIM,
  isRef,
  type Ref,
  SOLD_OUT_VARIANTS,
  VICTIM,
} from './fuzz-arbitraries.js';
import { normalisedIdentifiers } from './fuzz-invariants.js';
import { cartWith, checkoutForm, type TestStoreDeps } from './store-fixtures.js';

/** The secret lib/env.ts fell back to outside production; a session signed with it must never pass. */
const PUBLISHED_DEV_SECRET = 'development-only-nextauth-secret-never-use-in-production';

/** Variants the fuzzed checkouts buy; their stock is topped up before each run so checkouts get through. */
export const STOCKED = ['organic-cotton-tee-m', 'linen-button-down-m', 'canvas-market-tote-olive'];

/**
 * The people a fuzzed request must not be able to write for: a customer with an account, a guest
 * customer, each with an order; and the attacker's own account. Their sessions exist; the fuzzer
 * only sends them as the `victim-session` etc. references, so a run knows what the caller held.
 */
export interface FuzzWorld {
  deps: TestStoreDeps;
  tokens: Record<Ref['ref'], string>;
  /** Customer ids by the session reference that reaches them. */
  customers: Record<'victim' | 'guestVictim' | 'attacker', string>;
  victimOrders: string[];
  /** Every order id placed so far, so fuzzed back-office calls name real orders. */
  orders: string[];
  resolve: (value: CookieValue) => string;
  /** Emails and phones of the customers whose sessions the values include. */
  verifiedBy: (values: CookieValue[]) => Set<string>;
  /** The customer a shopper session token opens, read from the database. */
  customerOfToken: (token: string | undefined) => Promise<string | undefined>;
  topUpStock: () => Promise<void>;
}

const hashOf = (token: string) => createHash('sha256').update(token).digest('hex');

export async function buildFuzzWorld(deps: TestStoreDeps): Promise<FuzzWorld> {
  const db: SqlDatabase = deps.db;
  const topUpStock = async () => {
    const now = deps.now();
    await db.transaction(async (tx) => {
      for (const v of STOCKED) await setStock(tx, v, 10_000, now);
    });
  };
  await topUpStock();

  /**
   * A customer with a password and a proven email, signed in: the fixture writes her rows itself (as
   * if she had followed her emailed link), so it holds whatever sign-up asks of a shopper.
   */
  const account = async (who: typeof VICTIM | typeof ATTACKER, first: string) => {
    const now = deps.now();
    await db.query(sql`INSERT INTO store_customers (id, email, phone, first_name, last_name, orders_count, created_at, updated_at)
       VALUES (${randomUUID()}, ${who.email}, ${'phone' in who ? who.phone : null}, ${first}, 'Fuzz', 0, ${now}, ${now}) ON CONFLICT (email) DO NOTHING`);
    const [row] = await db.query<{ id: string }>(
      sql`SELECT id FROM store_customers WHERE email = ${who.email}`,
    );
    const id = row?.id as string;
    await db.query(
      sql`INSERT INTO store_customer_credentials (customer_id, password_hash, created_at, updated_at) VALUES (${id}, ${await hashPassword(who.password)}, ${now}, ${now})`,
    );
    // Where accounts record the proof of their email, this one has it.
    await db
      .query(sql`UPDATE store_customer_credentials SET email_verified_at = ${now} WHERE customer_id = ${id}`)
      .catch(() => undefined);
    return db.transaction((tx) => startShopperSession(tx, id, now));
  };
  /** A checkout; the token it hands the browser (a session or an order grant, whichever the store gives). */
  const order = async (email: string, phone: string) => {
    const cart = await cartWith(deps, [[STOCKED[0] as string, 1]]);
    const result = await placeOrder(deps, checkoutForm(cart, { email, phone, marketing: {} }));
    if (!result.ok) throw new Error(`seed order failed: ${result.error.message}`);
    const data = result.data as { orderId: string; shopperSession?: string; orderAccess?: string };
    return { orderId: data.orderId, token: data.shopperSession ?? data.orderAccess ?? '' };
  };

  const victimSession = await account(VICTIM, 'Vera');
  const attackerSession = await account(ATTACKER, 'Mallory');
  const victimOrder = await order(VICTIM.email, VICTIM.phone);
  const guestOrder = await order(GUEST_VICTIM.email, GUEST_VICTIM.phone);

  const forged = await encode({
    token: { sub: 'forged', name: 'Forged', email: 'admin@example.com', role: 'merchant' },
    secret: PUBLISHED_DEV_SECRET,
  });
  const tokens: FuzzWorld['tokens'] = {
    'victim-session': victimSession,
    'guest-victim-session': guestOrder.token,
    'attacker-session': attackerSession,
    'forged-admin-jwt': forged,
  };

  const customerOfToken = async (token: string | undefined) => {
    if (!token) return undefined;
    const [row] = await db.query<{ customer_id: string }>(
      sql`SELECT customer_id FROM store_shopper_sessions WHERE token_hash = ${hashOf(token)}`,
    );
    return row?.customer_id;
  };
  const customerOfEmail = async (email: string) =>
    (await db.query<{ id: string }>(sql`SELECT id FROM store_customers WHERE email = ${email}`))[0]?.id ?? '';
  const customers = {
    victim: await customerOfEmail(VICTIM.email),
    guestVictim: await customerOfEmail(GUEST_VICTIM.email),
    attacker: await customerOfEmail(ATTACKER.email),
  };

  const identities: Partial<Record<Ref['ref'], Set<string>>> = {
    'victim-session': normalisedIdentifiers(VICTIM.email, VICTIM.phone),
    // A guest checkout proves nothing about the email typed (DESIGN.md): its token verifies no one.
    'attacker-session': normalisedIdentifiers(ATTACKER.email, undefined),
  };
  const verifiedBy = (values: CookieValue[]) => {
    const out = new Set<string>();
    for (const v of values) if (isRef(v)) for (const id of identities[v.ref] ?? []) out.add(id);
    return out;
  };

  return {
    deps,
    tokens,
    customers,
    victimOrders: [victimOrder.orderId, guestOrder.orderId],
    orders: [victimOrder.orderId, guestOrder.orderId],
    resolve: (value) => (isRef(value) ? tokens[value.ref] : value),
    verifiedBy,
    customerOfToken,
    topUpStock,
  };
}

export { SOLD_OUT_VARIANTS };

/**
 * A limiter that never refuses, whatever its methods are called (a plain decision, which `await`
 * takes as it is; one per key for a batch): the fuzzer is one client sending
 * thousands of requests, and a 429 tests nothing past it. Rate limits have tests of their own.
 */
export const permissiveLimiter: object = new Proxy(
  {},
  {
    get: (_target, name) => {
      if (name === 'then') return undefined;
      // The relay's limiter on a transaction (RateLimiter.within), and its batch of takes.
      if (name === 'within') return () => permissiveLimiter;
      if (name === 'takeEach') return (keys: readonly string[]) => keys.map(() => ({ ok: true }));
      return () => ({ ok: true });
    },
  },
);

/** Puts the permissive limiter wherever these deps keep one. */
export function withoutLimits<D extends object>(deps: D): D {
  Object.assign(deps, { limiter: permissiveLimiter });
  return deps;
}
