import 'server-only';
import { cookies } from 'next/headers';
import type { Session } from 'next-auth';
import { getToken } from 'next-auth/jwt';
import { env } from '../env';
import { MERCHANT_ROLE } from './credentials';

// next-auth names its session cookie after the scheme of NEXTAUTH_URL; a token under either name
// still has to decrypt with this app's secret, so reading both opens nothing.
const COOKIE_NAMES = ['__Secure-next-auth.session-token', 'next-auth.session-token'];

/**
 * The next-auth session of this request, read from its cookie jar (next/headers) as next-auth itself
 * reads it: the JWT decrypted with NEXTAUTH_SECRET (or this process's development secret), expiry
 * checked. For server actions outside the admin, which cannot use `getServerSession` in tests.
 * Null without a valid token: a made-up cookie, one signed with another secret, or an expired one.
 */
export async function sessionFromCookies(): Promise<Session | null> {
  const jar = await cookies();
  const all = new Map(jar.getAll().map((c) => [c.name, c.value] as const));
  const { secret } = env().auth;
  for (const cookieName of COOKIE_NAMES) {
    const token = await getToken({
      req: { cookies: all, headers: {} } as never,
      cookieName,
      secureCookie: cookieName.startsWith('__Secure-'),
      secret,
      logger: { error: () => undefined, warn: () => undefined, debug: () => undefined } as never,
    });
    if (!token) continue;
    const role = token.role === MERCHANT_ROLE ? MERCHANT_ROLE : undefined;
    const expires = typeof token.exp === 'number' ? new Date(token.exp * 1000).toISOString() : '';
    return {
      user: { id: token.sub ?? '', email: token.email ?? null, name: token.name ?? null, role },
      expires,
    };
  }
  return null;
}
