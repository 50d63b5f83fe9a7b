'use server';

import { revalidatePath } from 'next/cache';
import { redirect } from 'next/navigation';
import { app } from '@/lib/app';
import { checkMerchant } from '@/lib/auth';
import { sessionFromCookies } from '@/lib/auth/cookie-session';
import { type ErasureReport, eraseCustomerAsMerchant } from '@/lib/store/erasure';
import type { ActionResult } from '@/lib/store/result';

/*
 * The merchant's Erase control (erase-control.tsx). Server actions are public POST endpoints, so each
 * checks the merchant's next-auth session itself, before reading anything, and answers a refusal
 * with its code (`unauthenticated`, `forbidden`), as every admin action does.
 */

/** Erases a customer by `{ customerId }` or `{ email }`; anyone but a merchant is refused. */
export async function eraseCustomer(input: unknown): Promise<ActionResult<ErasureReport>> {
  const check = await checkMerchant(sessionFromCookies);
  if (!check.ok)
    return {
      ok: false,
      error: {
        code: check.code,
        message: `${check.message} Erasing a customer is for the store's merchants.`,
      },
    };
  return eraseCustomerAsMerchant(app.store, input);
}

/**
 * The form on the customers page: a ticked confirmation box, then back to the page with the outcome.
 * Only the form is accepted (anything else is refused by value; `eraseCustomer` takes objects).
 */
export async function eraseCustomerFormAction(form: unknown): Promise<ActionResult<never>> {
  const check = await checkMerchant(sessionFromCookies);
  if (!check.ok)
    return {
      ok: false,
      error: {
        code: check.code,
        message: `${check.message} Erasing a customer is for the store's merchants.`,
      },
    };
  if (!(form instanceof FormData))
    return {
      ok: false,
      error: { code: 'invalid', field: 'customerId', message: 'customerId: send the erase form' },
    };
  if (form.get('confirm') !== 'yes') redirect('/admin/customers?erase=unconfirmed');
  const result = await eraseCustomerAsMerchant(app.store, { customerId: form.get('customerId') });
  if (!result.ok) redirect('/admin/customers?erase=failed');
  revalidatePath('/admin/customers');
  redirect(`/admin/customers?erase=${result.data.alreadyErased ? 'already' : 'done'}`);
}
