'use server';

import { cookies, headers } from 'next/headers';
import { redirect } from 'next/navigation';
// What a sign-in, sign-up or confirmation form shows: the forms' own state, one type for both sides.
import type { AccountState as AccountFormState } from '@/components/store/account-forms';
import { app } from '@/lib/app';
import { actionLimited } from '@/lib/auth/request-limits';
import { env } from '@/lib/env';
import { clientAddress } from '@/lib/klaviyo-next/http/client-address';
import {
  confirmAccountLink,
  currentShopper,
  requestOrderAccount,
  signIn as signInShopper,
  signUp as signUpShopper,
} from '@/lib/store/accounts';
import {
  cookieOptions,
  ORDER_ACCESS_COOKIE,
  SHOPPER_SESSION_COOKIE,
  SHOPPER_SESSION_DAYS,
} from '@/lib/store/cookies';
import { revokeOrderAccess } from '@/lib/store/order-access';
import { endShopperSession } from '@/lib/store/shopper-session';
import { nextPath } from './next-path';

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

/** Sign-up mails a link (lib/store/accounts.ts); the account exists once it is followed. */
export async function signUp(_previous: AccountFormState, form: FormData): Promise<AccountFormState> {
  // Per client address, before the password is hashed (lib/auth/request-limits.ts).
  const limited = await actionLimited('sign-up');
  if (limited) return { error: limited, values: keep(form) };
  const result = await signUpShopper(app.store, withoutNext(form));
  if (!result.ok) return { error: result.error, values: keep(form) };
  return { sentTo: result.data.sentTo };
}

/** "Save this order to an account" on a guest order's page: the link goes to the order's email. */
export async function saveOrderToAccount(
  _previous: AccountFormState,
  form: FormData,
): Promise<AccountFormState> {
  // The same limit as sign-up: both hash a password and send a mail.
  const limited = await actionLimited('sign-up');
  if (limited) return { error: limited };
  const jar = await cookies();
  const deps = app.store;
  const shopper = await currentShopper(deps, jar.get(SHOPPER_SESSION_COOKIE)?.value);
  const result = await requestOrderAccount(deps, form, {
    orderAccess: jar.get(ORDER_ACCESS_COOKIE)?.value,
    customerId: shopper?.customerId,
  });
  if (!result.ok) return { error: result.error };
  return { sentTo: result.data.sentTo };
}

/**
 * The button on the page a mailed link opens. Following the link (a GET) uses nothing up: mail
 * scanners and link previews open links too. The shopper's click does.
 */
export async function confirmAccount(_previous: AccountFormState, form: FormData): Promise<AccountFormState> {
  const result = await confirmAccountLink(app.store, form.get('token'));
  if (!result.ok) return { error: result.error };
  await startSession(result.data.sessionToken);
  redirect('/account');
}

export async function signIn(_previous: AccountFormState, form: FormData): Promise<AccountFormState> {
  const address = clientAddress(await headers(), env().trustedProxyHops);
  const result = await signInShopper(app.store, withoutNext(form), { clientAddress: address });
  if (!result.ok) return { error: result.error, values: { email: keep(form)?.email } };
  await startSession(result.data.sessionToken);
  redirect(destination(form));
}

/**
 * Ends the session on the server too, so a copied cookie stops working, and forgets the orders this
 * browser placed as a guest (a shared computer).
 */
export async function signOut(): Promise<void> {
  const jar = await cookies();
  const { db } = app.store;
  const token = jar.get(SHOPPER_SESSION_COOKIE)?.value;
  if (token) await endShopperSession(db, token);
  const orders = jar.get(ORDER_ACCESS_COOKIE)?.value;
  if (orders) await revokeOrderAccess(db, orders);
  jar.delete(SHOPPER_SESSION_COOKIE);
  jar.delete(ORDER_ACCESS_COOKIE);
  redirect('/');
}
