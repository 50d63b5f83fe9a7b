'use server';

import { cookies } from 'next/headers';
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

/**
 * The checkout form's action (see lib/store/orders/place-order.ts for what it records and enqueues).
 * Input: the form's FormData or the same fields as an object, with `cartId` in a hidden field. On
 * success the shopper gets a session cookie, so later browse events can be tied to them server-side.
 */
export async function placeOrder(input: unknown): Promise<ActionResult<OrderConfirmation>> {
  const deps = await storeDeps();
  let result: Awaited<ReturnType<typeof placeOrderInStore>>;
  try {
    result = await placeOrderInStore(deps, input);
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
