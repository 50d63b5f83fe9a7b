'use server';

import { cookies } from 'next/headers';
import { redirect } from 'next/navigation';
import { env } from '@/lib/env';
import type { FieldError } from '@/lib/relay/field-error';
import { signIn as signInShopper, signUp as signUpShopper } from '@/lib/store/accounts';
import { cookieOptions, SHOPPER_SESSION_COOKIE, SHOPPER_SESSION_DAYS } from '@/lib/store/cookies';
import { storeDeps } from '@/lib/store/deps';
import { endShopperSession } from '@/lib/store/shopper-session';
import { nextPath } from './next-path';

/** What a refused sign-in or sign-up form shows: the problem and the fields to keep (never the password). */
export interface AccountFormState {
  error?: FieldError;
  values?: { email?: string; firstName?: string; lastName?: string };
}

function keep(form: FormData): AccountFormState['values'] {
  const text = (name: string) => {
    const v = form.get(name);
    return typeof v === 'string' ? v : undefined;
  };
  return { email: text('email'), firstName: text('firstName'), lastName: text('lastName') };
}

async function startSession(token: string): Promise<void> {
  (await cookies()).set(
    SHOPPER_SESSION_COOKIE,
    token,
    cookieOptions(SHOPPER_SESSION_DAYS, env().nodeEnv === 'production'),
  );
}

/** Only paths on this site (see next-path.ts), so a crafted `next` cannot send a shopper elsewhere. */
function destination(form: FormData): string {
  const next = form.get('next');
  return nextPath(typeof next === 'string' ? next : undefined) ?? '/account';
}

function withoutNext(form: FormData): FormData {
  const copy = new FormData();
  for (const [name, value] of form.entries()) if (name !== 'next') copy.append(name, value);
  return copy;
}

export async function signUp(_previous: AccountFormState, form: FormData): Promise<AccountFormState> {
  const current = (await cookies()).get(SHOPPER_SESSION_COOKIE)?.value;
  const result = await signUpShopper(await storeDeps(), withoutNext(form), { sessionToken: current });
  if (!result.ok) return { error: result.error, values: keep(form) };
  await startSession(result.data.sessionToken);
  redirect(destination(form));
}

export async function signIn(_previous: AccountFormState, form: FormData): Promise<AccountFormState> {
  const result = await signInShopper(await storeDeps(), withoutNext(form));
  if (!result.ok) return { error: result.error, values: { email: keep(form)?.email } };
  await startSession(result.data.sessionToken);
  redirect(destination(form));
}

/** Ends the session on the server too, so a copied cookie stops working. */
export async function signOut(): Promise<void> {
  const jar = await cookies();
  const token = jar.get(SHOPPER_SESSION_COOKIE)?.value;
  if (token) await endShopperSession((await storeDeps()).db, token);
  jar.delete(SHOPPER_SESSION_COOKIE);
  redirect('/');
}
