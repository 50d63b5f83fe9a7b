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
