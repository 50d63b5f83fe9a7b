import 'server-only';
import type {
  CatalogCategory,
  CatalogSource,
  CatalogProduct as KlaviyoCatalogProduct,
} from '../klaviyo-next/catalog/types';
import type { SqlExecutor } from '../klaviyo-next/sql/types';
import { stockForProducts } from './availability';
import { type CatalogProduct, listCategories } from './catalog';
import { allProducts, productById } from './products/current';

/** Products per page of a full resync: a few bulk jobs' worth, small enough to hold in memory. */
const PAGE_SIZE = 50;

/** The store's categories as the catalog sync sends them (the slug is the external_id). */
export const catalogCategories = (): CatalogCategory[] =>
  listCategories().map((c) => ({ id: c.slug, name: c.name }));

/**
 * A product of the store as the plugin's catalog sync takes it: absolute URLs (Klaviyo's emails link
 * and show them from outside the store), the JPEG picture (the storefront's SVGs are not shown by
 * every mail client), and each variant's units on hand. `stock` holds the variants' levels; a variant
 * it does not name is sent as having none.
 */
export function toKlaviyoProduct(
  product: CatalogProduct,
  stock: ReadonlyMap<string, number>,
  storeUrl: string,
): KlaviyoCatalogProduct {
  const url = `${storeUrl}/products/${product.slug}`;
  const imageUrl = `${url}.jpg`;
  return {
    id: product.id,
    title: product.title,
    description: product.description,
    url,
    // The item's price is the lowest variant's, as the storefront's card shows it ("From").
    priceCents: Math.min(...product.variants.map((v) => v.priceCents)),
    imageUrl,
    categoryIds: product.categories.map((c) => c.slug),
    published: product.published,
    variants: product.variants.map((v) => ({
      id: v.id,
      sku: v.sku,
      title: `${product.title} (${v.option})`,
      description: product.description,
      priceCents: v.priceCents,
      inventoryQuantity: stock.get(v.id) ?? 0,
      url,
      imageUrl,
      published: product.published,
    })),
  };
}

/**
 * The demo store as the plugin's catalog port (`createKlaviyoNext({ catalog })`): its categories, and
 * every product the merchant has not deleted (published or not) with its current prices and stock,
 * a page at a time. Deleted products are not listed: the resync removes what the store no longer has.
 */
export function demoCatalogSource(deps: { db: SqlExecutor; storeUrl: string }): CatalogSource {
  return {
    categories: async () => catalogCategories(),
    /** One product as it is now (stock included); undefined once deleted or for an unknown id. */
    async product(id: string) {
      const product = await productById(deps.db, id);
      if (!product) return undefined;
      return toKlaviyoProduct(product, await stockForProducts(deps.db, [product]), deps.storeUrl);
    },
    async *products() {
      const products = await allProducts(deps.db);
      for (let i = 0; i < products.length; i += PAGE_SIZE) {
        const page = products.slice(i, i + PAGE_SIZE);
        const stock = await stockForProducts(deps.db, page);
        yield page.map((p) => toKlaviyoProduct(p, stock, deps.storeUrl));
      }
    },
  };
}
