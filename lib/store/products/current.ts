import 'server-only';
import sql, { join } from 'sql-template-tag';
import type { SqlExecutor } from '../../klaviyo-next/sql/types';
import { type CatalogProduct, type CatalogVariant, listProducts as shippedProducts } from '../catalog';

/**
 * The catalogue as the store sells it now: the shipped demo data (lib/store/catalog.ts) with the
 * merchant's changes from the admin's Products page applied (migration 250). Every page, the cart,
 * checkout and the catalog sync read it here, inside their own transaction where they have one, so
 * an order is priced from the same rows a concurrent price change locks (see products/changes.ts).
 */

interface ProductState {
  published: boolean;
  deleted: boolean;
}

/** Every product as shipped, unpublished ones included (the sync sends those too, as unpublished). */
const SHIPPED: readonly CatalogProduct[] = shippedProducts({ includeUnpublished: true });
const SHIPPED_VARIANTS = new Map(SHIPPED.flatMap((p) => p.variants.map((v) => [v.id, p])));

async function priceOverrides(db: SqlExecutor, variantIds?: readonly string[]) {
  if (variantIds?.length === 0) return new Map<string, number>();
  const rows = await db.query<{ variant_id: string; price_cents: number | string }>(
    variantIds
      ? sql`SELECT variant_id, price_cents FROM store_variant_prices WHERE variant_id IN (${join(variantIds)})`
      : sql`SELECT variant_id, price_cents FROM store_variant_prices`,
  );
  return new Map(rows.map((r) => [r.variant_id, Number(r.price_cents)]));
}

async function stateOverrides(db: SqlExecutor, productIds?: readonly string[]) {
  if (productIds?.length === 0) return new Map<string, ProductState>();
  const rows = await db.query<{ product_id: string; published: number; deleted_at: number | null }>(
    productIds
      ? sql`SELECT product_id, published, deleted_at FROM store_product_states WHERE product_id IN (${join(productIds)})`
      : sql`SELECT product_id, published, deleted_at FROM store_product_states`,
  );
  return new Map(
    rows.map((r) => [r.product_id, { published: Number(r.published) === 1, deleted: r.deleted_at != null }]),
  );
}

/** A shipped product with its overrides; undefined once the merchant deleted it. */
function withOverrides(
  product: CatalogProduct,
  prices: Map<string, number>,
  states: Map<string, ProductState>,
): CatalogProduct | undefined {
  const state = states.get(product.id);
  if (state?.deleted) return undefined;
  return {
    ...product,
    published: state ? state.published : product.published,
    variants: product.variants.map((v) => ({ ...v, priceCents: prices.get(v.id) ?? v.priceCents })),
  };
}

/** Every product not deleted, published or not (the admin's list, the catalog sync). */
export async function allProducts(db: SqlExecutor): Promise<CatalogProduct[]> {
  const prices = await priceOverrides(db);
  const states = await stateOverrides(db);
  return SHIPPED.flatMap((p) => withOverrides(p, prices, states) ?? []);
}

/** Published products, optionally of one category: what the storefront lists. */
export async function listProducts(
  db: SqlExecutor,
  options: { category?: string } = {},
): Promise<CatalogProduct[]> {
  return (await allProducts(db)).filter(
    (p) => p.published && (!options.category || p.categories.some((c) => c.slug === options.category)),
  );
}

/** Published products whose title, description or category contains every word of `query`. */
export async function searchProducts(db: SqlExecutor, query: string): Promise<CatalogProduct[]> {
  const words = query.toLowerCase().split(/\s+/).filter(Boolean);
  if (words.length === 0) return [];
  return (await listProducts(db)).filter((p) => {
    const text = [p.title, p.description, ...p.categories.map((c) => c.name)].join(' ').toLowerCase();
    return words.every((w) => text.includes(w));
  });
}

/** One product as it is now, published or not (undefined when unknown or deleted). */
export async function productById(db: SqlExecutor, id: string): Promise<CatalogProduct | undefined> {
  const shipped = SHIPPED.find((p) => p.id === id);
  if (!shipped) return undefined;
  const ids = shipped.variants.map((v) => v.id);
  const prices = await priceOverrides(db, ids);
  const states = await stateOverrides(db, [id]);
  return withOverrides(shipped, prices, states);
}

/** A published product's page. */
export async function productBySlug(db: SqlExecutor, slug: string): Promise<CatalogProduct | undefined> {
  const product = await productById(db, slug);
  return product?.published ? product : undefined;
}

export interface SellableVariant {
  product: CatalogProduct;
  variant: CatalogVariant;
}

/**
 * The variants among `variantIds` that can be sold now (known, product published and not deleted),
 * at their current price: two queries for any number of lines.
 */
export async function sellableVariants(
  db: SqlExecutor,
  variantIds: readonly string[],
): Promise<Map<string, SellableVariant>> {
  const products = [...new Set(variantIds.flatMap((id) => SHIPPED_VARIANTS.get(id) ?? []))];
  const found = new Map<string, SellableVariant>();
  if (products.length === 0) return found;
  // One after the other: inside a transaction both go down the same connection anyway.
  const prices = await priceOverrides(
    db,
    products.flatMap((p) => p.variants.map((v) => v.id)),
  );
  const states = await stateOverrides(
    db,
    products.map((p) => p.id),
  );
  for (const shipped of products) {
    const product = withOverrides(shipped, prices, states);
    if (!product?.published) continue;
    for (const variant of product.variants)
      if (variantIds.includes(variant.id)) found.set(variant.id, { product, variant });
  }
  return found;
}

/** One variant that can be sold now, or undefined. */
export async function sellableVariant(
  db: SqlExecutor,
  variantId: string,
): Promise<SellableVariant | undefined> {
  return (await sellableVariants(db, [variantId])).get(variantId);
}

/** The shipped product a variant id belongs to, whatever the merchant did to it since. */
export const shippedProductOf = (variantId: string) => SHIPPED_VARIANTS.get(variantId);
export const shippedProduct = (id: string) => SHIPPED.find((p) => p.id === id);
