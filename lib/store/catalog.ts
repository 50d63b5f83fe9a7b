import type { ProductSnapshot } from '../klaviyo-next/events/types';
import { DEMO_CATEGORIES, DEMO_PRODUCTS, type DemoProduct, optionCode } from './catalog-data';

/**
 * The demo catalogue as shipped: plain, synchronous queries over the data file. The store sells from
 * lib/store/products/current.ts, which applies the merchant's changes (price, published, deleted)
 * made on the admin's Products page; this module is the base those changes apply to. Ids match the emulator's Klaviyo catalog (item external_id is
 * the slug, variant external_id `<slug>-<option>`), so ProductID/VariantID in events link to catalog
 * items. Prices are integer cents here; only the tracking builders convert to major units.
 */
export interface CatalogVariant {
  id: string;
  productId: string;
  sku: string;
  option: string;
  priceCents: number;
  /** Stock before the first sale; the store's inventory table takes over from there. */
  initialStock: number;
}

export interface CatalogProduct {
  id: string;
  slug: string;
  title: string;
  description: string;
  categories: { slug: string; name: string }[];
  published: boolean;
  variants: CatalogVariant[];
}

/** A demo store's shelf: enough that checkout tests can buy several of anything in stock. */
const STOCK_PER_VARIANT = 25;

const toCents = (major: number) => Math.round(major * 100);

function toProduct(p: DemoProduct): CatalogProduct {
  return {
    id: p.slug,
    slug: p.slug,
    title: p.title,
    description: p.description,
    categories: p.categories.map((slug) => ({
      slug,
      name: DEMO_CATEGORIES.find((c) => c.slug === slug)?.name ?? slug,
    })),
    published: p.published ?? true,
    variants: p.options.map((option, i) => ({
      id: `${p.slug}-${optionCode(option).toLowerCase()}`,
      productId: p.slug,
      sku: `${p.sku}-${optionCode(option)}`,
      option,
      priceCents: toCents(p.prices?.[i] ?? p.price),
      initialStock: p.soldOut?.includes(option) ? 0 : STOCK_PER_VARIANT,
    })),
  };
}

const PRODUCTS: readonly CatalogProduct[] = DEMO_PRODUCTS.map(toProduct);
const VARIANTS = new Map(PRODUCTS.flatMap((p) => p.variants.map((v) => [v.id, { product: p, variant: v }])));

export const listCategories = () => DEMO_CATEGORIES;

/** Published products (the storefront never shows unpublished ones), optionally of one category. */
export function listProducts(
  options: { category?: string; includeUnpublished?: boolean } = {},
): CatalogProduct[] {
  return PRODUCTS.filter(
    (p) =>
      (p.published || options.includeUnpublished) &&
      (!options.category || p.categories.some((c) => c.slug === options.category)),
  );
}

export const productsInCategory = (category: string) => listProducts({ category });

/** Published products whose title, description or category contains every word of `query`. */
export function searchProducts(query: string): CatalogProduct[] {
  const words = query.toLowerCase().split(/\s+/).filter(Boolean);
  if (words.length === 0) return [];
  return listProducts().filter((p) => {
    const text = [p.title, p.description, ...p.categories.map((c) => c.name)].join(' ').toLowerCase();
    return words.every((w) => text.includes(w));
  });
}

export function productBySlug(slug: string): CatalogProduct | undefined {
  return PRODUCTS.find((p) => p.slug === slug && p.published);
}

/** A variant that can be sold: it exists and its product is published. */
export function sellableVariant(variantId: string) {
  const found = VARIANTS.get(variantId);
  return found?.product.published ? found : undefined;
}

/** Any shipped variant, published or not: where its stock starts (lib/store/inventory.ts). */
export const shippedVariant = (variantId: string) => VARIANTS.get(variantId);

/** The variant as the tracking builders describe it, with absolute URLs for emails. */
export function productSnapshot(
  product: CatalogProduct,
  variant: CatalogVariant,
  storeUrl: string,
): ProductSnapshot {
  const url = `${storeUrl}/products/${product.slug}`;
  return {
    productId: product.id,
    variantId: variant.id,
    sku: variant.sku,
    name: product.title,
    variantName: variant.option,
    categories: product.categories.map((c) => c.name),
    url,
    imageUrl: `${url}.jpg`,
    priceCents: variant.priceCents,
  };
}
