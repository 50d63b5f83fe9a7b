import 'server-only';
import { timingSafeEqual } from 'node:crypto';
import { env } from '../env';
import { devAdminPassword } from './dev-password';
import { verifyPassword } from './password';
import { createThrottle } from './throttle';

export const MERCHANT_ROLE = 'merchant';
export type MerchantRole = typeof MERCHANT_ROLE;

export interface AdminUser {
  id: string;
  email: string;
  name: string;
  role: MerchantRole;
}

const throttle = createThrottle();

function sameText(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

/**
 * The credentials provider's check: the configured admin email and password (ADMIN_PASSWORD_HASH,
 * or the generated development password). The password is checked even when the email is wrong,
 * so the answer time does not tell which of the two was.
 */
export async function verifyAdminCredentials(
  input: { email?: unknown; password?: unknown },
  client = 'unknown',
): Promise<AdminUser | null> {
  if (typeof input.email !== 'string' || typeof input.password !== 'string') return null;
  if (input.password.length > 1024) return null;
  const email = input.email.trim().toLowerCase();
  const key = `${email}|${client}`;
  if (throttle.blocked(key)) return null;
  const { adminEmail, adminPasswordHash } = env().auth;
  const dev = devAdminPassword();
  const passwordOk = adminPasswordHash
    ? await verifyPassword(input.password, adminPasswordHash)
    : dev !== undefined && sameText(input.password, dev);
  if (!(passwordOk && sameText(email, adminEmail))) {
    throttle.fail(key);
    return null;
  }
  throttle.succeed(key);
  return { id: `admin:${adminEmail}`, email: adminEmail, name: 'Store admin', role: MERCHANT_ROLE };
}
