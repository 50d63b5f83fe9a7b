import 'server-only';
import { z } from 'zod';
import { fieldErrorOf } from '../klaviyo-next/http/field-error';
import { backInStockMessage } from '../klaviyo-next/outbox/types';
import type { StoreDeps } from './deps';
import { formInput } from './form-input';
import { stockOf } from './inventory';
import { sellableVariant } from './products/current';
import type { ActionResult } from './result';

const input = z.strictObject({
  variantId: z.string().min(1).max(120),
  email: z.string().trim().toLowerCase().pipe(z.email('is not an email address').max(254)),
});

export interface BackInStockRequested {
  variantId: string;
  /** False when this email had already asked for this variant (nothing new was sent). */
  created: boolean;
}

/**
 * "Email me when it's back": a Klaviyo back-in-stock subscription for a sold-out variant, recorded in
 * the outbox (its key is variant + email, so asking twice sends one request). Klaviyo sends the
 * notification itself when the catalog variant's inventory rises, so the store keeps no list of its own.
 * The email is the subject of the request, as in Klaviyo's own back-in-stock form.
 */
export async function requestBackInStock(
  deps: StoreDeps,
  raw: unknown,
): Promise<ActionResult<BackInStockRequested>> {
  const parsed = input.safeParse(formInput(raw));
  if (!parsed.success) return { ok: false, error: fieldErrorOf(parsed.error) };
  const { variantId, email } = parsed.data;
  if (!(await sellableVariant(deps.db, variantId))) {
    return { ok: false, error: { field: 'variantId', message: 'No such product.' } };
  }
  if ((await stockOf(deps.db, variantId)) > 0) {
    return {
      ok: false,
      error: { field: 'variantId', message: 'This is in stock: add it to your bag instead.' },
    };
  }
  const now = deps.now();
  const message = backInStockMessage({ profile: { email }, variantId, channels: ['EMAIL'] });
  const added = await deps.db.transaction((tx) => deps.outbox.enqueue(tx, [message], now));
  if (added > 0) deps.scheduleDelivery();
  return { ok: true, data: { variantId, created: added > 0 } };
}
