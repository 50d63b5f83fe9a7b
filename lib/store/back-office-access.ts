import 'server-only';
import type { Session } from 'next-auth';
import { sessionFromCookies } from '../auth/cookie-session';
import { checkMerchant } from '../auth/index';
import type { ActionResult } from './result';

/**
 * Whether the demo back office (fulfil, cancel, refund) may run: only for a merchant's next-auth
 * session (the admin's sign-in), in every environment. Server actions are public POST endpoints, so
 * the check is made inside each action; a development or staging site is reachable by strangers too,
 * and its session secret is no longer a constant anyone can read (lib/env.ts).
 */
export function backOfficeDenied(
  getSession: () => Promise<Session | null> = sessionFromCookies,
): Promise<ActionResult<never> | undefined> {
  return merchantDenied('The back office', getSession);
}

/**
 * Every admin action's first step: undefined for a merchant's session, else the refusal to answer
 * with, its message saying what (`what`, e.g. 'Erasing a customer') is for the store's merchants.
 */
export async function merchantDenied(
  what: string,
  getSession: () => Promise<Session | null> = sessionFromCookies,
): Promise<ActionResult<never> | undefined> {
  const check = await checkMerchant(getSession);
  if (check.ok) return undefined;
  // The code tells the admin's forms (and tests/e2e/admin-access.test.ts) why: signed out or not a merchant.
  return {
    ok: false,
    error: { code: check.code, message: `${check.message} ${what} is for the store's merchants.` },
  };
}
