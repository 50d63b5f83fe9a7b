import 'server-only';
import { createHash, randomBytes } from 'node:crypto';
import type { Queryable } from '../db/types';

/**
 * A shopper's server-side identity after checkout: an httpOnly cookie holding a random token. It lets
 * the track relay name the shopper when klaviyo.js is blocked (no `__kla_id` cookie), without ever
 * taking an email from a request body. Only the token's hash is stored, so a database leak yields no
 * usable cookies.
 */
export const SHOPPER_SESSION_COOKIE = 'nw_shopper';
export const SHOPPER_SESSION_DAYS = 30;
const DAY_MS = 86_400_000;

const hashOf = (token: string) => createHash('sha256').update(token).digest('hex');

export async function startShopperSession(tx: Queryable, customerId: string, now: number): Promise<string> {
  const token = randomBytes(32).toString('base64url');
  await tx.query(
    'INSERT INTO store_shopper_sessions (token_hash, customer_id, created_at, expires_at) VALUES (?, ?, ?, ?)',
    [hashOf(token), customerId, now, now + SHOPPER_SESSION_DAYS * DAY_MS],
  );
  return token;
}

/** The signed-in shopper's email, or nothing for an unknown or expired token. */
export async function shopperEmail(q: Queryable, token: string, now: number): Promise<string | undefined> {
  if (!/^[A-Za-z0-9_-]{43}$/.test(token)) return undefined;
  const [row] = await q.query<{ email: string }>(
    `SELECT c.email FROM store_shopper_sessions s JOIN store_customers c ON c.id = s.customer_id
     WHERE s.token_hash = ? AND s.expires_at > ?`,
    [hashOf(token), now],
  );
  return row?.email;
}

/** The customer a live session token belongs to. */
export async function shopperCustomerId(
  q: Queryable,
  token: string,
  now: number,
): Promise<string | undefined> {
  if (!/^[A-Za-z0-9_-]{43}$/.test(token)) return undefined;
  const [row] = await q.query<{ customer_id: string }>(
    'SELECT customer_id FROM store_shopper_sessions WHERE token_hash = ? AND expires_at > ?',
    [hashOf(token), now],
  );
  return row?.customer_id;
}

/** Signs a session out: its row goes, so the cookie is worthless even if it was copied. */
export async function endShopperSession(q: Queryable, token: string): Promise<void> {
  await q.query('DELETE FROM store_shopper_sessions WHERE token_hash = ?', [hashOf(token)]);
}
