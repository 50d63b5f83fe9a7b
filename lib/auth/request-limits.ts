import 'server-only';
import { headers } from 'next/headers';
import { app } from '../app';
import { env } from '../env';
import { clientAddress } from '../klaviyo-next/http/client-address';
import type { FieldError } from '../klaviyo-next/http/field-error';
import type { RateLimit } from '../klaviyo-next/http/rate-limit';

/**
 * Limits on the storefront's public server actions that create things or hash passwords, per client
 * address (lib/klaviyo-next/http/client-address.ts; all clients share one key when no trusted proxy reports it).
 * Checked first in the action, before any hashing or database write.
 */
export const ACTION_LIMITS = {
  /** Account creation hashes a password (scrypt) and writes a row: a few an hour from one address. */
  'sign-up': { capacity: 10, perMinute: 10 / 60 },
  /** Back-in-stock requests, each a stored email; a shopper asks for a handful at most. */
  'back-in-stock': { capacity: 10, perMinute: 2 },
  /** New carts (a cookie-less add to bag): one per visitor, so dozens a minute is a script. */
  cart: { capacity: 30, perMinute: 30 },
} satisfies Record<string, RateLimit>;

export type LimitedAction = keyof typeof ACTION_LIMITS;

/**
 * Takes one token for `action` from the caller's address; a field error to show when the caller must
 * wait. The limiter works on the store's database (shared by every instance), on the wall clock.
 */
export async function actionLimited(action: LimitedAction): Promise<FieldError | undefined> {
  const address = clientAddress(await headers(), env().trustedProxyHops);
  const decision = await app.klaviyo.limiter.take(
    `action:${action}:${address ?? 'shared'}`,
    ACTION_LIMITS[action],
  );
  if (decision.ok) return undefined;
  const minutes = Math.ceil(decision.retryAfterSeconds / 60);
  const wait =
    decision.retryAfterSeconds < 90 ? `${decision.retryAfterSeconds} seconds` : `${minutes} minutes`;
  return { message: `Too many requests from your network; try again in ${wait}.` };
}
