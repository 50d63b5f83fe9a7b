'use server';

import { cookies } from 'next/headers';
import { redirect } from 'next/navigation';
import { app } from '@/lib/app';
import { currentShopper } from '@/lib/store/accounts';
import { ORDER_ACCESS_COOKIE, SHOPPER_SESSION_COOKIE } from '@/lib/store/cookies';
import { type ErasureReport, eraseOwnAccount } from '@/lib/store/erasure';
import type { ActionResult } from '@/lib/store/result';

/*
 * A signed-in shopper asks for her data to be erased. Who she is comes from her session cookie (a
 * live session of an account with a proven email), never from the form: the form only confirms. A
 * made-up or expired cookie, or none, erases nobody.
 */

/** Erases the session's own customer; `{ confirm: 'erase' }`. */
export async function eraseMyData(input: unknown): Promise<ActionResult<{ erased: true }>> {
  const jar = await cookies();
  const deps = app.store;
  const shopper = await currentShopper(deps, jar.get(SHOPPER_SESSION_COOKIE)?.value);
  if (!shopper) return { ok: false, error: { message: 'Sign in to your account to ask for its erasure.' } };
  const result: ActionResult<ErasureReport> = await eraseOwnAccount(deps, shopper.customerId, input);
  if (!result.ok) return result;
  // Her sessions are gone with her account; the browser's cookies go too.
  jar.delete(SHOPPER_SESSION_COOKIE);
  jar.delete(ORDER_ACCESS_COOKIE);
  return { ok: true, data: { erased: true } };
}

/** The account page's form: back to the form with the problem, or on to the confirmation. */
export async function eraseMyDataForm(form: FormData): Promise<void> {
  const result = await eraseMyData({ confirm: form.get('confirm') ?? '' });
  if (!result.ok) redirect(`/account/erase?error=${result.error.field === 'confirm' ? 'confirm' : 'failed'}`);
  redirect('/account/erase/done');
}
