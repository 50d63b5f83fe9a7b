'use server';

import type { FieldError } from '@/lib/relay/field-error';
import { requestBackInStock } from '@/lib/store/back-in-stock';
import { storeDeps } from '@/lib/store/deps';

export interface BackInStockFormState {
  done?: { email: string; created: boolean };
  error?: FieldError;
}

/** The sold-out variant's "Email me when it's back" form (see lib/store/back-in-stock.ts). */
export async function notifyWhenBack(
  _previous: BackInStockFormState,
  form: FormData,
): Promise<BackInStockFormState> {
  const result = await requestBackInStock(await storeDeps(), form);
  if (!result.ok) return { error: result.error };
  const email = String(form.get('email') ?? '')
    .trim()
    .toLowerCase();
  return { done: { email, created: result.data.created } };
}
