'use server';

import { revalidatePath } from 'next/cache';
import { redirect } from 'next/navigation';
import { app } from '@/lib/app';
import { checkMerchant } from '@/lib/auth';
import { SIGN_IN_PATH } from '@/lib/auth/config';
import { sessionFromCookies } from '@/lib/auth/cookie-session';
import { unsubscribeCustomer } from '@/lib/store/customer-consent-admin';

/** Where the page goes back to: its search, kept only if it is plain text of a sane length. */
function backTo(form: FormData, outcome: string): string {
  const q = form.get('q');
  const search = typeof q === 'string' && q.length <= 254 ? `q=${encodeURIComponent(q)}&` : '';
  return `/admin/customers?${search}${outcome}`;
}

/**
 * "Unsubscribe" on the customers page: a public POST endpoint like every server action, so it checks
 * the merchant's session itself before anything is read or written; anyone else goes to sign-in.
 */
export async function unsubscribeCustomerAction(form: FormData): Promise<void> {
  const check = await checkMerchant(sessionFromCookies);
  if (!check.ok)
    redirect(
      check.status === 403
        ? `${SIGN_IN_PATH}?error=AccessDenied`
        : `${SIGN_IN_PATH}?callbackUrl=${encodeURIComponent('/admin/customers')}`,
    );
  const result = await unsubscribeCustomer(app.store, {
    customerId: form.get('customerId'),
    channel: form.get('channel'),
  });
  if (!result.ok) redirect(backTo(form, `error=${result.error.field === 'phone' ? 'no-phone' : 'invalid'}`));
  revalidatePath('/admin/customers');
  redirect(backTo(form, `done=${result.data.channel}`));
}
