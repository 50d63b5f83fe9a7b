'use server';

import { revalidatePath } from 'next/cache';
import { redirect } from 'next/navigation';
import { app } from '@/lib/app';
import { merchantDenied } from '@/lib/store/back-office-access';
import {
  changePrice,
  deleteProduct,
  type ProductChanged,
  setProductPublished,
  setVariantStock,
} from '@/lib/store/products/changes';
import type { ActionResult } from '@/lib/store/result';

/*
 * The Products page's changes: price, stock, publish and delete. Server actions are public POST
 * endpoints, so each checks the merchant's session first, before its input is read. A caller passing
 * an object gets the result; the page's forms (FormData) go back to the page with the outcome, named
 * by the field that was wrong (the page words it; nothing typed is echoed back through the URL).
 */
async function answer(
  input: unknown,
  change: (input: unknown) => Promise<ActionResult<ProductChanged>>,
): Promise<ActionResult<ProductChanged>> {
  const result = await change(input);
  if (result.ok) revalidatePath('/admin/products');
  if (!(input instanceof FormData)) return result;
  const outcome = result.ok
    ? `done=${encodeURIComponent(result.data.productId)}`
    : `error=${encodeURIComponent(result.error.field ?? 'change')}`;
  redirect(`/admin/products?${outcome}`);
}

/** Sets a variant's price: `{ variantId, price }`, the price in dollars as typed ("45.50"). */
export async function changePriceAction(input: unknown): Promise<ActionResult<ProductChanged>> {
  const denied = await merchantDenied('Changing a price');
  return denied ?? answer(input, (i) => changePrice(app.store, i));
}

/** Sets a variant's units on hand: `{ variantId, onHand }`; a sold-out variant restocked notifies its waiters. */
export async function setStockAction(input: unknown): Promise<ActionResult<ProductChanged>> {
  const denied = await merchantDenied('Changing stock');
  return denied ?? answer(input, (i) => setVariantStock(app.store, i));
}

/** Publishes or unpublishes a product: `{ productId, published: 'true' | 'false' }`. */
export async function setPublishedAction(input: unknown): Promise<ActionResult<ProductChanged>> {
  const denied = await merchantDenied('Publishing a product');
  return denied ?? answer(input, (i) => setProductPublished(app.store, i));
}

/** Deletes a product: `{ productId }`. */
export async function deleteProductAction(input: unknown): Promise<ActionResult<ProductChanged>> {
  const denied = await merchantDenied('Deleting a product');
  return denied ?? answer(input, (i) => deleteProduct(app.store, i));
}
