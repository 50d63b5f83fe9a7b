import 'server-only';
import { createHash, createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import sql from 'sql-template-tag';
import type { SqlExecutor } from '../klaviyo-next/sql/types';

/**
 * Proof that a shopper reads an email address: a link the store mails to it. A link is
 * - signed: HMAC-SHA256 with the server's secret over its id, purpose, email and expiry, so a made-up
 *   or altered link is refused before anything else, and a link cannot be pointed at another email;
 * - expiring: 30 minutes, long enough for a slow mail and a switch to the phone, short enough that a
 *   link left in a mailbox, a forwarded mail or a proxy log is soon worth nothing;
 * - single-use: consuming it is a conditional UPDATE in the same transaction as what it unlocks, so
 *   of two browsers racing with one link exactly one wins, and a replay finds it used.
 * Only a hash of the id is stored: a leaked table yields no working link.
 */
export const LINK_TTL_MS = 30 * 60_000;

export type ProofPurpose = 'sign-up' | 'verify';
export type ProofRefusal = 'invalid' | 'expired' | 'used';

const TOKEN = /^([A-Za-z0-9_-]{24})\.(\d{1,15})\.([A-Za-z0-9_-]{43})$/;
const hashOf = (id: string) => createHash('sha256').update(id).digest('hex');
const signature = (secret: string, purpose: string, id: string, email: string, expiresAt: number) =>
  createHmac('sha256', secret)
    .update(`northwind-account-link:v1\n${purpose}\n${id}\n${email}\n${expiresAt}`)
    .digest('base64url');

/** Records a proof for this email and returns the token its link carries. */
export async function issueProof(
  tx: SqlExecutor,
  secret: string,
  proof: { purpose: ProofPurpose; email: string; payload: unknown; now: number },
): Promise<string> {
  const id = randomBytes(18).toString('base64url');
  const expiresAt = proof.now + LINK_TTL_MS;
  // Old proofs are useless a day after expiry; clearing them here keeps the table small.
  await tx.query(sql`DELETE FROM store_email_proofs WHERE expires_at < ${proof.now - 86_400_000}`);
  await tx.query(sql`INSERT INTO store_email_proofs (id_hash, purpose, email, payload, created_at, expires_at)
     VALUES (${hashOf(id)}, ${proof.purpose}, ${proof.email}, ${JSON.stringify(proof.payload ?? {})}, ${proof.now}, ${expiresAt})`);
  return `${id}.${expiresAt}.${signature(secret, proof.purpose, id, proof.email, expiresAt)}`;
}

export type ConsumedProof =
  | { ok: true; purpose: ProofPurpose; email: string; payload: unknown }
  | { ok: false; reason: ProofRefusal };

/**
 * Checks a link's token and uses it up. Call inside the transaction that acts on it: if that rolls
 * back, the link is still unused.
 */
export async function consumeProof(
  tx: SqlExecutor,
  secret: string,
  token: unknown,
  now: number,
): Promise<ConsumedProof> {
  const match = typeof token === 'string' ? TOKEN.exec(token) : null;
  if (!match) return { ok: false, reason: 'invalid' };
  const [, id = '', expiry = '', given = ''] = match;
  const [row] = await tx.query<{ purpose: ProofPurpose; email: string; payload: string; expires_at: number }>(
    sql`SELECT purpose, email, payload, expires_at FROM store_email_proofs WHERE id_hash = ${hashOf(id)}`,
  );
  if (!row || Number(row.expires_at) !== Number(expiry)) return { ok: false, reason: 'invalid' };
  const expected = Buffer.from(signature(secret, row.purpose, id, row.email, Number(row.expires_at)));
  const presented = Buffer.from(given);
  if (expected.length !== presented.length || !timingSafeEqual(expected, presented))
    return { ok: false, reason: 'invalid' };
  if (Number(row.expires_at) <= now) return { ok: false, reason: 'expired' };
  const used = await tx.query(
    sql`UPDATE store_email_proofs SET consumed_at = ${now} WHERE id_hash = ${hashOf(id)} AND consumed_at IS NULL RETURNING id_hash`,
  );
  if (used.length === 0) return { ok: false, reason: 'used' };
  return { ok: true, purpose: row.purpose, email: row.email, payload: JSON.parse(row.payload) };
}
