import 'server-only';
import type { CatalogProduct as KlaviyoCatalogProduct } from '../../klaviyo-next/catalog/types';
import type { OutboxMessage } from '../../klaviyo-next/outbox/types';
import type { SqlExecutor } from '../../klaviyo-next/sql/types';
import type { CatalogProduct } from '../catalog';
import { toKlaviyoProduct } from '../catalog-source';

/**
 * What the store needs from the plugin's catalog sync (`klaviyo.catalog`): the outbox messages that
 * carry a product's current state, or its deletion, to Klaviyo's catalogue, and the mark a sale or a
 * cancellation leaves on the variants whose stock it changed. The store enqueues and marks in the
 * transaction that made the change, so Klaviyo's catalogue follows the store's commits.
 */
export interface CatalogMessages {
  productChanged(product: KlaviyoCatalogProduct): OutboxMessage[];
  productDeleted(productId: string, variantIds: string[]): OutboxMessage[];
  /**
   * One small write in the caller's transaction; the sync later reads each marked product as it is
   * then (the store's CatalogSource `product(id)`) and sends it once for all the sales since.
   */
  stockChanged(tx: SqlExecutor, marks: readonly { productId: string; variantId: string }[]): Promise<void>;
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

/** Marks the variants a checkout or a cancellation changed the stock of, in its transaction. */
export async function markStockChanged(
  catalog: CatalogMessages | undefined,
  tx: SqlExecutor,
  lines: readonly { productId: string; variantId: string }[],
): Promise<void> {
  if (catalog && lines.length > 0)
    await catalog.stockChanged(
      tx,
      lines.map(({ productId, variantId }) => ({ productId, variantId })),
    );
}
