'use server';

import type { BackInStockState as BackInStockFormState } from '@/components/store/back-in-stock-form';
import { app } from '@/lib/app';
import { actionLimited } from '@/lib/auth/request-limits';
import { requestBackInStock } from '@/lib/store/back-in-stock';

/**
 * The sold-out variant's "Email me when it's back" form (see lib/store/back-in-stock.ts); limited per
 * client address before anything is read or stored (lib/auth/request-limits.ts).
 */
export async function notifyWhenBack(
  _previous: BackInStockFormState,
  form: FormData,
): Promise<BackInStockFormState> {
  const limited = await actionLimited('back-in-stock');
  if (limited) return { error: limited };
  const result = await requestBackInStock(app.store, form);
  if (!result.ok) return { error: result.error };
  const email = String(form.get('email') ?? '')
    .trim()
    .toLowerCase();
  return { done: { email, created: result.data.created } };
}
