import 'server-only';
import type { CatalogProduct as KlaviyoCatalogProduct } from '../../klaviyo-next/catalog/types';
import type { OutboxMessage } from '../../klaviyo-next/outbox/types';
import type { CatalogProduct } from '../catalog';
import { toKlaviyoProduct } from '../catalog-source';

/**
 * What the store needs from the plugin's catalog sync (`klaviyo.catalog`): the outbox messages that
 * carry a product's current state, or its deletion, to Klaviyo's catalogue. The store enqueues them in
 * the transaction that made the change, so the catalogue in Klaviyo follows the store's commits.
 */
export interface CatalogMessages {
  productChanged(product: KlaviyoCatalogProduct): OutboxMessage[];
  productDeleted(productId: string, variantIds: string[]): OutboxMessage[];
}

/** The messages for a product's current state, its variants at the units on hand in `stock`. */
export function productMessages(
  catalog: CatalogMessages | undefined,
  product: CatalogProduct,
  stock: ReadonlyMap<string, number>,
  storeUrl: string,
): OutboxMessage[] {
  return catalog?.productChanged(toKlaviyoProduct(product, stock, storeUrl)) ?? [];
}

/**
 * The messages for the variants whose stock a checkout or a cancellation changed: each touched
 * product once, carrying only the touched variants (the others did not change), at the units on hand
 * the caller's transaction left, under the inventory rows' locks it still holds.
 */
export function stockMessages(
  catalog: CatalogMessages | undefined,
  touched: readonly { product: CatalogProduct; variantId: string }[],
  stock: ReadonlyMap<string, number>,
  storeUrl: string,
): OutboxMessage[] {
  if (!catalog) return [];
  const byProduct = new Map<string, { product: CatalogProduct; variantIds: Set<string> }>();
  for (const { product, variantId } of touched) {
    const entry = byProduct.get(product.id) ?? { product, variantIds: new Set<string>() };
    entry.variantIds.add(variantId);
    byProduct.set(product.id, entry);
  }
  return [...byProduct.values()].flatMap(({ product, variantIds }) => {
    // The item's own fields (its "From" price) come from every variant; only the touched ones are sent.
    const whole = toKlaviyoProduct(product, stock, storeUrl);
    return catalog.productChanged({ ...whole, variants: whole.variants.filter((v) => variantIds.has(v.id)) });
  });
}
