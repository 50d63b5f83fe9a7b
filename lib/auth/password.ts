import 'server-only';
import { randomBytes, type ScryptOptions, scrypt, timingSafeEqual } from 'node:crypto';

/**
 * Admin password hashing with node:crypto scrypt (no native dependency). The stored form is
 * `scrypt:N:r:p:salt:hash` in base64url: every parameter travels with the hash, so raising the cost
 * later keeps old hashes verifiable, and there is no `$`, which .env files would try to expand.
 */
export interface ScryptParams {
  N: number;
  r: number;
  p: number;
}

/** OWASP's scrypt floor is N=2^17 at r=8; 2^15 keeps a sign-in near 100 ms on a small host. */
export const DEFAULT_SCRYPT: ScryptParams = { N: 2 ** 15, r: 8, p: 1 };
const KEY_BYTES = 32;
const SALT_BYTES = 16;
// A hash comes from the operator's environment, but bound the work it can ask for anyway.
const MAX_N = 2 ** 20;

function derive(password: string, salt: Buffer, params: ScryptParams): Promise<Buffer> {
  const options: ScryptOptions = { ...params, maxmem: 256 * params.N * params.r };
  return new Promise((resolve, reject) => {
    scrypt(password.normalize('NFKC'), salt, KEY_BYTES, options, (error, key) =>
      error ? reject(error) : resolve(key),
    );
  });
}

/** Hashes a password with a fresh random salt. */
export async function hashPassword(password: string, params: ScryptParams = DEFAULT_SCRYPT): Promise<string> {
  const salt = randomBytes(SALT_BYTES);
  const key = await derive(password, salt, params);
  return ['scrypt', params.N, params.r, params.p, salt.toString('base64url'), key.toString('base64url')].join(
    ':',
  );
}

/** Whether `password` matches `encoded`; false (never a throw) for a malformed hash. Constant-time compare. */
export async function verifyPassword(password: string, encoded: string): Promise<boolean> {
  const [scheme, n, r, p, salt, hash] = encoded.split(':');
  const params = { N: Number(n), r: Number(r), p: Number(p) };
  if (scheme !== 'scrypt' || !salt || !hash) return false;
  if (![params.N, params.r, params.p].every(Number.isSafeInteger) || params.N > MAX_N || params.N < 2)
    return false;
  const expected = Buffer.from(hash, 'base64url');
  if (expected.length !== KEY_BYTES) return false;
  try {
    const actual = await derive(password, Buffer.from(salt, 'base64url'), params);
    return timingSafeEqual(actual, expected);
  } catch {
    return false;
  }
}
