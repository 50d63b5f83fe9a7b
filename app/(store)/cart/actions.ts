'use server';

import { cookies } from 'next/headers';
import { env } from '@/lib/env';
import {
  addToCart as add,
  type CartChange,
  createCart,
  loadCart,
  removeFromCart as remove,
  updateCartLine as update,
} from '@/lib/store/cart';
import { CART_COOKIE, cookieOptions } from '@/lib/store/cookies';
import { storeDeps } from '@/lib/store/deps';
import { formInput } from '@/lib/store/form-input';
import type { ActionResult } from '@/lib/store/result';
import { demoStorefront } from '@/lib/store/storefront';
import type { CartSnapshot, LineSnapshot } from '@/lib/tracking/types';

const CART_DAYS = 30;

/** The shopper's open cart from the cookie, or a new one (the cookie is set to it). */
async function openCartId(): Promise<string> {
  const deps = await storeDeps();
  const jar = await cookies();
  const known = jar.get(CART_COOKIE)?.value;
  const cart = known && /^[0-9a-f-]{36}$/.test(known) ? await loadCart(deps.db, known) : undefined;
  if (cart?.status === 'open') return cart.id;
  const created = await createCart(deps);
  jar.set(CART_COOKIE, created.id, cookieOptions(CART_DAYS, env().nodeEnv === 'production'));
  return created.id;
}

/** The input with the cookie's cart id, which replaces any the input names. */
async function withCart(input: unknown): Promise<unknown> {
  const fields = formInput(input);
  if (typeof fields !== 'object' || fields === null || Array.isArray(fields)) return fields; // refused by the schema
  return { ...fields, cartId: await openCartId() };
}

/**
 * Cart changes. Each returns `{ cartId, revision }`: the browser tracks Added to Cart with that
 * revision (klaviyo.js and /api/klaviyo/track derive the same unique_id from it).
 */
export async function addToCart(input: unknown): Promise<ActionResult<CartChange>> {
  return add(await storeDeps(), await withCart(input));
}

export async function updateCartLine(input: unknown): Promise<ActionResult<CartChange>> {
  return update(await storeDeps(), await withCart(input));
}

export async function removeFromCart(input: unknown): Promise<ActionResult<CartChange>> {
  return remove(await storeDeps(), await withCart(input));
}

/** What the product page needs after an add: the cart as of that change, for Added to Cart. */
export interface AddedToBag extends CartChange {
  /** Absent only if the cart changed again before it was read; tracking is then skipped, not guessed. */
  tracking?: { cart: CartSnapshot; added: LineSnapshot };
}

/**
 * The product page's add: `addToCart` plus the cart snapshot the browser's Added to Cart is built from
 * (lib/tracking/browse.ts), read on the server so klaviyo.js and the relay derive the same unique_id
 * `added-to-cart:<cartId>:<revision>` from the same lines and prices.
 */
export async function addToBag(input: unknown): Promise<ActionResult<AddedToBag>> {
  const deps = await storeDeps();
  const result = await add(deps, await withCart(input));
  if (!result.ok) return result;
  const found = await demoStorefront(deps).cart(result.data.cartId, result.data.revision);
  const tracking = found?.added ? { cart: found.cart, added: found.added } : undefined;
  return { ok: true, data: { ...result.data, ...(tracking ? { tracking } : {}) } };
}

/**
 * Restores a cart from an abandoned-cart link (`/cart?restore=<id>`, the events' CheckoutURL): the
 * cookie is pointed at it if it is still open. The id is a random UUID, so the link is the key.
 */
export async function restoreCart(cartId: unknown): Promise<ActionResult<{ cartId: string }>> {
  if (typeof cartId !== 'string' || !/^[0-9a-f-]{36}$/.test(cartId)) {
    return { ok: false, error: { field: 'cartId', message: 'That link does not name a cart.' } };
  }
  const cart = await loadCart((await storeDeps()).db, cartId);
  if (!cart) return { ok: false, error: { field: 'cartId', message: 'That cart no longer exists.' } };
  if (cart.status !== 'open') {
    return { ok: false, error: { field: 'cartId', message: 'That cart has already been checked out.' } };
  }
  (await cookies()).set(CART_COOKIE, cart.id, cookieOptions(CART_DAYS, env().nodeEnv === 'production'));
  return { ok: true, data: { cartId: cart.id } };
}
