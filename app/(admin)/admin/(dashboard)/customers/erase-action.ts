'use server';

import { revalidatePath } from 'next/cache';
import { redirect } from 'next/navigation';
import { app } from '@/lib/app';
import { merchantDenied } from '@/lib/store/back-office-access';
import { type ErasureReport, eraseCustomerAsMerchant } from '@/lib/store/erasure';
import type { ActionResult } from '@/lib/store/result';

/*
 * The merchant's Erase control (erase-control.tsx). Server actions are public POST endpoints, so each
 * checks the merchant's next-auth session itself, before reading anything, and answers a refusal
 * with its code (`unauthenticated`, `forbidden`), as every admin action does.
 */
const ERASING = 'Erasing a customer';

/** Erases a customer by `{ customerId }` or `{ email }`; anyone but a merchant is refused. */
export async function eraseCustomer(input: unknown): Promise<ActionResult<ErasureReport>> {
  return (await merchantDenied(ERASING)) ?? eraseCustomerAsMerchant(app.store, input);
}

/**
 * The form on the customers page: a ticked confirmation box, then back to the page with the outcome.
 * Only the form is accepted (anything else is refused by value; `eraseCustomer` takes objects).
 */
export async function eraseCustomerFormAction(form: unknown): Promise<ActionResult<never>> {
  const denied = await merchantDenied(ERASING);
  if (denied) return denied;
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
