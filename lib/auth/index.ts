import 'server-only';
import { redirect } from 'next/navigation';
import { getServerSession, type Session } from 'next-auth';
import { cache } from 'react';
import type { MerchantGuard } from '../klaviyo-next/ports';
import { getAuthOptions, SIGN_IN_PATH } from './config';
import { MERCHANT_ROLE } from './credentials';

export { MERCHANT_ROLE } from './credentials';

/** The signed-in session for this request (null when there is none), read once per render. */
export const auth = cache((): Promise<Session | null> => getServerSession(getAuthOptions()));

export type SessionCheck =
  | { ok: true; session: Session }
  | { ok: false; status: 401 | 403; code: 'unauthenticated' | 'forbidden'; message: string };

/** Whether the request carries a merchant's session. Every admin entry point calls this itself. */
export async function checkMerchant(getSession: () => Promise<Session | null> = auth): Promise<SessionCheck> {
  const session = await getSession();
  if (!session?.user)
    return { ok: false, status: 401, code: 'unauthenticated', message: 'Sign in to continue.' };
  if (session.user.role !== MERCHANT_ROLE)
    return { ok: false, status: 403, code: 'forbidden', message: 'This account is not a merchant admin.' };
  return { ok: true, session };
}

/** The plugin's merchant guard (dashboard routes and actions): a next-auth session with the merchant role. */
export function merchantGuard(getSession: () => Promise<Session | null> = auth): MerchantGuard {
  return async () => {
    const check = await checkMerchant(getSession);
    return check.ok ? { ok: true } : { ok: false, status: check.status, message: check.message };
  };
}

/**
 * For admin pages: the merchant's session, or a redirect to sign-in. Every page calls it itself;
 * proxy.ts's redirect is only a convenience, and a layout's check does not cover its pages.
 */
export async function requireMerchantPage(returnTo: string): Promise<Session> {
  const check = await checkMerchant();
  if (check.ok) return check.session;
  const query = check.status === 403 ? 'error=AccessDenied' : `callbackUrl=${encodeURIComponent(returnTo)}`;
  redirect(`${SIGN_IN_PATH}?${query}`);
}
