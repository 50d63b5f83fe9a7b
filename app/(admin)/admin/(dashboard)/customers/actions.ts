'use server';

import { revalidatePath } from 'next/cache';
import { redirect } from 'next/navigation';
import { app } from '@/lib/app';
import { merchantDenied } from '@/lib/store/back-office-access';
import type { ConsentChannel } from '@/lib/store/customer-consent';
import { unsubscribeCustomer } from '@/lib/store/customer-consent-admin';
import type { ActionResult } from '@/lib/store/result';

/** Where the page goes back to: its search, kept only if it is plain text of a sane length. */
function backTo(form: FormData, outcome: string): string {
  const q = form.get('q');
  const search = typeof q === 'string' && q.length <= 254 ? `q=${encodeURIComponent(q)}&` : '';
  return `/admin/customers?${search}${outcome}`;
}

/**
 * "Unsubscribe" on the customers page: a public POST endpoint like every server action, so it checks
 * the merchant's session itself before anything is read or written. A refusal is an answer with its
 * code (`unauthenticated`, `forbidden`), as every admin action gives it. The page's form (FormData)
 * goes back to the page with the outcome; a caller passing `{ customerId, channel }` gets the result.
 */
export async function unsubscribeCustomerAction(
  input: unknown,
): Promise<ActionResult<{ customerId: string; channel: ConsentChannel }>> {
  const denied = await merchantDenied('Unsubscribing a customer');
  if (denied) return denied;
  if (!(input instanceof FormData)) {
    const result = await unsubscribeCustomer(app.store, input);
    if (result.ok) revalidatePath('/admin/customers');
    return result;
  }
  // The form also carries the page's search (`q`), which only says where to go back to.
  const result = await unsubscribeCustomer(app.store, {
    customerId: input.get('customerId'),
    channel: input.get('channel'),
  });
  if (!result.ok) redirect(backTo(input, `error=${result.error.field === 'phone' ? 'no-phone' : 'invalid'}`));
  revalidatePath('/admin/customers');
  redirect(backTo(input, `done=${result.data.channel}`));
}
