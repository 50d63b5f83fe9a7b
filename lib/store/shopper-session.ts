import 'server-only';
import { createHash, randomBytes } from 'node:crypto';
import sql from 'sql-template-tag';
import type { SqlExecutor } from '../klaviyo-next/sql/types';

/**
 * A signed-in shopper: an httpOnly cookie holding a random token, started only by a password sign-in
 * or a followed email link, for an account whose email was proven by such a link. A guest checkout
 * starts no session (it gets order access grants, lib/store/order-access.ts): typing an email at
 * checkout proves nothing. The track relay uses `shopperEmail` as the shopper's verified identity.
 * Only the token's hash is stored, so a database leak yields no usable cookies.
 */
export const SHOPPER_SESSION_COOKIE = 'nw_shopper';
export const SHOPPER_SESSION_DAYS = 30;
const DAY_MS = 86_400_000;

const hashOf = (token: string) => createHash('sha256').update(token).digest('hex');

export async function startShopperSession(tx: SqlExecutor, customerId: string, now: number): Promise<string> {
  const token = randomBytes(32).toString('base64url');
  await tx.query(
    sql`INSERT INTO store_shopper_sessions (token_hash, customer_id, created_at, expires_at) VALUES (${hashOf(token)}, ${customerId}, ${now}, ${now + SHOPPER_SESSION_DAYS * DAY_MS})`,
  );
  return token;
}

/** Who a live session names: the customer row of an account with a proven email. */
export interface SessionCustomer {
  id: string;
  email: string;
  first_name: string | null;
  last_name: string | null;
}

/**
 * The customer a live session of a verified account belongs to, in one query. A session counts only
 * while its customer has an account with a proven email: the join is the rule, so no stray row (a
 * session from before migration 204) can ever name someone.
 */
export async function shopperCustomer(
  q: SqlExecutor,
  token: string,
  now: number,
): Promise<SessionCustomer | undefined> {
  if (!/^[A-Za-z0-9_-]{43}$/.test(token)) return undefined;
  const [row] =
    await q.query<SessionCustomer>(sql`SELECT c.id, c.email, c.first_name, c.last_name FROM store_shopper_sessions s
     JOIN store_customers c ON c.id = s.customer_id
     JOIN store_customer_credentials k ON k.customer_id = s.customer_id AND k.email_verified_at IS NOT NULL
     WHERE s.token_hash = ${hashOf(token)} AND s.expires_at > ${now}`);
  return row;
}

/**
 * The signed-in shopper's verified email (the relay's identity for this browser), or nothing for an
 * unknown or expired token or an account whose email is not proven.
 */
export async function shopperEmail(q: SqlExecutor, token: string, now: number): Promise<string | undefined> {
  return (await shopperCustomer(q, token, now))?.email;
}

/** Ends every session of a customer (a password replaced through an email link). */
export async function endCustomerSessions(q: SqlExecutor, customerId: string): Promise<void> {
  await q.query(sql`DELETE FROM store_shopper_sessions WHERE customer_id = ${customerId}`);
}

/** Signs a session out: its row goes, so the cookie is worthless even if it was copied. */
export async function endShopperSession(q: SqlExecutor, token: string): Promise<void> {
  await q.query(sql`DELETE FROM store_shopper_sessions WHERE token_hash = ${hashOf(token)}`);
}
