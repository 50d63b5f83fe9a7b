import type { OutboxMessage } from '../outbox/types';
import {
  type CatalogChange,
  catalogOrderKey,
  categoryWrite,
  changeHash,
  itemWrite,
  variantWrite,
} from './change';
import type { CatalogCategory, CatalogProduct } from './types';
import { checkCategory, checkProduct } from './validate';

/**
 * The dedup key: the object, the content it sets, and when it was accepted. The time is part of it
 * because a product may go back to an earlier state (a price set, changed, set back): that is a new
 * change, and must not be skipped as a repeat of the first. A repeat of the state Klaviyo already has
 * costs nothing: the deliverer compares hashes and sends no request for it.
 */
const message = (change: CatalogChange): OutboxMessage => ({
  kind: 'catalog',
  key: `${catalogOrderKey(change)}:${changeHash(change)}:${change.at}`,
  payload: change,
});

/**
 * Builders of catalog outbox messages; enqueue them in the transaction that changes the store. A
 * product or category Klaviyo would refuse (an empty id or title, fractional cents, a relative URL)
 * throws CatalogInputError naming each wrong field, before anything is enqueued.
 */
export function catalogMessages(now: () => number = Date.now) {
  return {
    /** The product's item and every variant, as they are now (one message: they go in order). */
    productChanged(given: CatalogProduct): OutboxMessage[] {
      const product = checkProduct(given);
      const item = itemWrite(product);
      const variants = product.variants.map((v) => variantWrite(v, product.id));
      return [message({ op: 'product', at: now(), item, variants })];
    },
    /** The product is gone: its variants, then its item, are deleted at Klaviyo. */
    productDeleted(productId: string, variantIds: string[]): OutboxMessage[] {
      return [message({ op: 'product-delete', at: now(), itemId: productId, variantIds: [...variantIds] })];
    },
    categoryChanged(category: CatalogCategory): OutboxMessage[] {
      return [message({ op: 'category', at: now(), category: categoryWrite(checkCategory(category)) })];
    },
    categoryDeleted(categoryId: string): OutboxMessage[] {
      return [message({ op: 'category-delete', at: now(), categoryId })];
    },
    /** Variants Klaviyo holds for an item that the store no longer has (found by a resync). */
    variantsDeleted(itemId: string, variantIds: string[]): OutboxMessage[] {
      return [message({ op: 'product-delete', at: now(), parentId: itemId, variantIds: [...variantIds] })];
    },
  };
}

export type CatalogMessages = ReturnType<typeof catalogMessages>;
