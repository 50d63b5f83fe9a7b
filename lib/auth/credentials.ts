import 'server-only';
import { timingSafeEqual } from 'node:crypto';
import { app } from '../app';
import { env } from '../env';
import { devAdminPassword } from './dev-password';
import { verifyPassword } from './password';
import { type SignInThrottle, signInThrottle } from './throttle';

export const MERCHANT_ROLE = 'merchant';
export type MerchantRole = typeof MERCHANT_ROLE;

export interface AdminUser {
  id: string;
  email: string;
  name: string;
  role: MerchantRole;
}

/** Thrown from `authorize`: next-auth passes the message to the sign-in page as `?error=`. */
export class TooManyAttempts extends Error {
  constructor(readonly retryAfterSeconds: number) {
    super('TooManyAttempts');
    this.name = 'TooManyAttempts';
  }
}

/** The app's throttle, on its database so every instance counts together. */
async function defaultThrottle(): Promise<SignInThrottle> {
  return signInThrottle(app.klaviyo.limiter);
}

function sameText(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

/**
 * The credentials provider's check: the configured admin email and password (ADMIN_PASSWORD_HASH,
 * or the generated development password). The password is checked even when the email is wrong,
 * so the answer time does not tell which of the two was. Each attempt is counted per account and per
 * client address before the password is hashed (lib/auth/throttle.ts); a throttled attempt throws
 * `TooManyAttempts` without checking anything.
 */
export async function verifyAdminCredentials(
  input: { email?: unknown; password?: unknown },
  address: string | undefined,
  throttle?: SignInThrottle,
): Promise<AdminUser | null> {
  if (typeof input.email !== 'string' || typeof input.password !== 'string') return null;
  if (input.password.length > 1024 || input.email.length > 320) return null;
  const email = input.email.trim().toLowerCase();
  const gate = throttle ?? (await defaultThrottle());
  const decision = await gate.attempt(email, address);
  if (!decision.ok) throw new TooManyAttempts(decision.retryAfterSeconds);
  const { adminEmail, adminPasswordHash } = env().auth;
  const dev = devAdminPassword();
  const passwordOk = adminPasswordHash
    ? await verifyPassword(input.password, adminPasswordHash)
    : dev !== undefined && sameText(input.password, dev);
  if (!(passwordOk && sameText(email, adminEmail))) return null;
  await gate.succeed(email, address);
  return { id: `admin:${adminEmail}`, email: adminEmail, name: 'Store admin', role: MERCHANT_ROLE };
}
