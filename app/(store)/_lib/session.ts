import 'server-only';
import { cookies } from 'next/headers';
import { cache } from 'react';
import { app } from '@/lib/app';
import { currentShopper } from '@/lib/store/accounts';
import { openCartView } from '@/lib/store/cart-view';
import { CART_COOKIE, ORDER_ACCESS_COOKIE, SHOPPER_SESSION_COOKIE } from '@/lib/store/cookies';

/*
 * What every store page reads from the shopper's cookies, once per request (React `cache`): the
 * layout's header and the page itself share one lookup.
 */

/**
 * The signed-in shopper, if any. A guest checkout signs no one in: it only lets this browser see the
 * orders it placed (`getOrderAccess`).
 */
export const getShopper = cache(async () => {
  const token = (await cookies()).get(SHOPPER_SESSION_COOKIE)?.value;
  return currentShopper(app.store, token);
});

/** The shopper's open cart, priced from the catalog, if there is one. */
export const getCart = cache(async () => {
  const id = (await cookies()).get(CART_COOKIE)?.value;
  return openCartView(app.store, id);
});

/** The browser's order access token (set by a guest checkout), for the order pages. */
export const getOrderAccess = cache(async () => (await cookies()).get(ORDER_ACCESS_COOKIE)?.value);
