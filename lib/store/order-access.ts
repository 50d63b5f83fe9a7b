import 'server-only';
import { createHash, randomBytes } from 'node:crypto';
import sql from 'sql-template-tag';
import type { SqlExecutor } from '../klaviyo-next/sql/types';

/**
 * What a guest checkout gives the browser: an httpOnly cookie whose token names the orders this
 * browser placed, and nothing else. It is not a sign-in: it never names a customer, so it cannot
 * reach the customer's other orders, her account page, or the relay's verified identity, whatever
 * email was typed at checkout. Only the token's hash is stored.
 */
export const ORDER_ACCESS_COOKIE = 'nw_orders';
export const ORDER_ACCESS_DAYS = 30;
const DAY_MS = 86_400_000;
const TOKEN = /^[A-Za-z0-9_-]{43}$/;

const hashOf = (token: string) => createHash('sha256').update(token).digest('hex');

/**
 * Grants a new token access to this order, carrying over the orders the browser's previous token
 * could see. A new token every time: a token planted in the browser beforehand (session fixation)
 * never gains the new order.
 */
export async function grantOrderAccess(
  tx: SqlExecutor,
  orderId: string,
  previous: string | undefined,
  now: number,
): Promise<string> {
  const token = randomBytes(32).toString('base64url');
  if (previous && TOKEN.test(previous)) {
    await tx.query(sql`INSERT INTO store_order_access (token_hash, order_id, created_at, expires_at)
       SELECT ${hashOf(token)}, order_id, created_at, expires_at FROM store_order_access WHERE token_hash = ${hashOf(previous)} AND expires_at > ${now}`);
  }
  await tx.query(sql`INSERT INTO store_order_access (token_hash, order_id, created_at, expires_at) VALUES (${hashOf(token)}, ${orderId}, ${now}, ${now + ORDER_ACCESS_DAYS * DAY_MS})
     ON CONFLICT (token_hash, order_id) DO NOTHING`);
  return token;
}

/** Whether this token was granted this order and the grant is live. */
export async function hasOrderAccess(
  q: SqlExecutor,
  token: string | undefined,
  orderId: string,
  now: number,
): Promise<boolean> {
  if (!token || !TOKEN.test(token)) return false;
  const rows = await q.query(
    sql`SELECT 1 AS ok FROM store_order_access WHERE token_hash = ${hashOf(token)} AND order_id = ${orderId} AND expires_at > ${now}`,
  );
  return rows.length > 0;
}

/** Forgets a browser's orders (sign-out): the cookie is worthless even if it was copied. */
export async function revokeOrderAccess(q: SqlExecutor, token: string): Promise<void> {
  if (TOKEN.test(token))
    await q.query(sql`DELETE FROM store_order_access WHERE token_hash = ${hashOf(token)}`);
}
