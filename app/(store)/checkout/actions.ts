'use server';

import { cookies } from 'next/headers';
import { redirect } from 'next/navigation';
// What the checkout form shows after a refused submit: the problem, and what was typed, to keep.
import type { CheckoutState as CheckoutFormState } from '@/components/store/checkout-form';
import { app } from '@/lib/app';
import { env } from '@/lib/env';
import { accountExchangeId } from '@/lib/klaviyo-next/events/identity';
import { CART_COOKIE, cookieOptions, ORDER_ACCESS_COOKIE, ORDER_ACCESS_DAYS } from '@/lib/store/cookies';
import { type OrderConfirmation, placeOrder as placeOrderInStore } from '@/lib/store/orders/place-order';
import type { ActionResult } from '@/lib/store/result';

/**
 * The checkout form's action (see lib/store/orders/place-order.ts for what it records and enqueues).
 * Input: the form's FormData or the same fields as an object, with `cartId` in a hidden field. On
 * success the browser gets an order access cookie: it may see the orders it placed, and nothing else
 * (a checkout proves nothing about the email typed).
 */
export async function placeOrder(input: unknown): Promise<ActionResult<OrderConfirmation>> {
  const deps = app.store;
  const browser = async () => {
    const jar = await cookies();
    return {
      exchangeId: accountExchangeId(jar.get('__kla_id')?.value, env().klaviyo.companyId),
      orderAccess: jar.get(ORDER_ACCESS_COOKIE)?.value,
    };
  };
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
  const { orderAccess, alreadyPlaced: _alreadyPlaced, ...confirmation } = result.data;
  const jar = await cookies();
  jar.delete(CART_COOKIE);
  if (orderAccess) {
    jar.set(
      ORDER_ACCESS_COOKIE,
      orderAccess,
      cookieOptions(ORDER_ACCESS_DAYS, env().nodeEnv === 'production'),
    );
  }
  return { ok: true, data: confirmation };
}

/**
 * The checkout form's `useActionState` action: places the order and, on success, goes to its
 * confirmation page (the order access cookie set above is what lets them see it). Works without JS.
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
