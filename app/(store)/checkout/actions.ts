'use server';

import { cookies } from 'next/headers';
import { redirect } from 'next/navigation';
import { env } from '@/lib/env';
import {
  CART_COOKIE,
  cookieOptions,
  SHOPPER_SESSION_COOKIE,
  SHOPPER_SESSION_DAYS,
} from '@/lib/store/cookies';
import { storeDeps } from '@/lib/store/deps';
import { type OrderConfirmation, placeOrder as placeOrderInStore } from '@/lib/store/orders/place-order';
import type { ActionResult } from '@/lib/store/result';
import { accountExchangeId } from '@/lib/tracking/identity';

/**
 * The checkout form's action (see lib/store/orders/place-order.ts for what it records and enqueues).
 * Input: the form's FormData or the same fields as an object, with `cartId` in a hidden field. On
 * success the shopper gets a session cookie, so later browse events can be tied to them server-side.
 */
export async function placeOrder(input: unknown): Promise<ActionResult<OrderConfirmation>> {
  const deps = await storeDeps();
  const browser = async () => ({
    exchangeId: accountExchangeId((await cookies()).get('__kla_id')?.value, env().klaviyo.companyId),
  });
  let result: Awaited<ReturnType<typeof placeOrderInStore>>;
  try {
    result = await placeOrderInStore(deps, input, browser);
  } catch (error) {
    // The transaction rolled back, so nothing was placed and nothing will be sent: safe to retry.
    deps.log('checkout.failed', { error: error instanceof Error ? error.message : String(error) });
    return {
      ok: false,
      error: { message: 'Your order was not placed because of a problem on our side. Please try again.' },
    };
  }
  if (!result.ok) return result;
  const { shopperSession, alreadyPlaced: _alreadyPlaced, ...confirmation } = result.data;
  const jar = await cookies();
  jar.delete(CART_COOKIE);
  if (shopperSession) {
    jar.set(
      SHOPPER_SESSION_COOKIE,
      shopperSession,
      cookieOptions(SHOPPER_SESSION_DAYS, env().nodeEnv === 'production'),
    );
  }
  return { ok: true, data: confirmation };
}

/** What the checkout form shows after a refused submit: the problem, and what was typed, to keep. */
export interface CheckoutFormState {
  error?: { field?: string; message: string };
  values?: Record<string, string>;
}

/**
 * The checkout form's `useActionState` action: places the order and, on success, goes to its
 * confirmation page (the shopper session set above is what lets them see it). Works without JS.
 */
export async function submitCheckout(
  _previous: CheckoutFormState,
  form: FormData,
): Promise<CheckoutFormState> {
  const result = await placeOrder(form);
  if (result.ok) redirect(`/orders/${result.data.orderId}`);
  const values: Record<string, string> = {};
  for (const [name, value] of form.entries()) {
    if (typeof value === 'string' && !name.startsWith('$ACTION')) values[name] = value;
  }
  return { error: result.error, values };
}
