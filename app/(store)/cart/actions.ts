'use server';

import { cookies } from 'next/headers';
import { app } from '@/lib/app';
import { actionLimited } from '@/lib/auth/request-limits';
import { env } from '@/lib/env';
import type { CartSnapshot, LineSnapshot } from '@/lib/klaviyo-next/events/types';
import type { FieldError } from '@/lib/klaviyo-next/http/field-error';
import {
  addToCart as add,
  type CartChange,
  createCart,
  loadCart,
  removeFromCart as remove,
  updateCartLine as update,
} from '@/lib/store/cart';
import { CART_COOKIE, cookieOptions } from '@/lib/store/cookies';
import { formInput } from '@/lib/store/form-input';
import type { ActionResult } from '@/lib/store/result';
import { demoStorefront } from '@/lib/store/storefront';

const CART_DAYS = 30;

/**
 * The shopper's open cart from the cookie, or a new one (the cookie is set to it). New carts are
 * limited per client address (lib/auth/request-limits.ts): a script without cookies would otherwise
 * write a cart row per request.
 */
async function openCartId(): Promise<{ cartId: string } | { error: FieldError }> {
  const deps = app.store;
  const jar = await cookies();
  const known = jar.get(CART_COOKIE)?.value;
  const cart = known && /^[0-9a-f-]{36}$/.test(known) ? await loadCart(deps.db, known) : undefined;
  if (cart?.status === 'open') return { cartId: cart.id };
  const limited = await actionLimited('cart');
  if (limited) return { error: limited };
  const created = await createCart(deps);
  jar.set(CART_COOKIE, created.id, cookieOptions(CART_DAYS, env().nodeEnv === 'production'));
  return { cartId: created.id };
}

/** The input with the cookie's cart id, which replaces any the input names; or why there is no cart. */
async function withCart(input: unknown): Promise<{ input: unknown } | { error: FieldError }> {
  const fields = formInput(input);
  if (typeof fields !== 'object' || fields === null || Array.isArray(fields)) return { input: fields }; // refused by the schema
  const open = await openCartId();
  return 'error' in open ? open : { input: { ...fields, cartId: open.cartId } };
}

/** Runs a cart change on the cookie's cart, or answers why there is none. */
async function onCart(
  input: unknown,
  change: (deps: typeof app.store, input: unknown) => Promise<ActionResult<CartChange>>,
): Promise<ActionResult<CartChange>> {
  const prepared = await withCart(input);
  if ('error' in prepared) return { ok: false, error: prepared.error };
  return change(app.store, prepared.input);
}

/**
 * Cart changes. Each returns `{ cartId, revision }`: the browser tracks Added to Cart with that
 * revision (klaviyo.js and /api/klaviyo/track derive the same unique_id from it).
 */
export async function addToCart(input: unknown): Promise<ActionResult<CartChange>> {
  return onCart(input, add);
}

export async function updateCartLine(input: unknown): Promise<ActionResult<CartChange>> {
  return onCart(input, update);
}

export async function removeFromCart(input: unknown): Promise<ActionResult<CartChange>> {
  return onCart(input, remove);
}

/** What the product page needs after an add: the cart as of that change, for Added to Cart. */
export interface AddedToBag extends CartChange {
  /** Absent only if the cart changed again before it was read; tracking is then skipped, not guessed. */
  tracking?: { cart: CartSnapshot; added: LineSnapshot };
}

/**
 * The product page's add: `addToCart` plus the cart snapshot the browser's Added to Cart is built from
 * (lib/klaviyo-next/events/browse.ts), read on the server so klaviyo.js and the relay derive the same unique_id
 * `added-to-cart:<cartId>:<revision>` from the same lines and prices.
 */
export async function addToBag(input: unknown): Promise<ActionResult<AddedToBag>> {
  const deps = app.store;
  const result = await onCart(input, add);
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
  const cart = await loadCart(app.store.db, cartId);
  if (!cart) return { ok: false, error: { field: 'cartId', message: 'That cart no longer exists.' } };
  if (cart.status !== 'open') {
    return { ok: false, error: { field: 'cartId', message: 'That cart has already been checked out.' } };
  }
  (await cookies()).set(CART_COOKIE, cart.id, cookieOptions(CART_DAYS, env().nodeEnv === 'production'));
  return { ok: true, data: { cartId: cart.id } };
}
