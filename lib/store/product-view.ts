import type { Availability } from './availability';
import type { CatalogProduct } from './catalog';
import { hasColourOptions, OPTION_COLOURS, productImage } from './product-art';

/**
 * Catalog products as the storefront's components take them: plain, serialisable data (client
 * components get it as props), with prices in cents and the picture to show. Browser-safe.
 */
export interface ProductCardData {
  slug: string;
  title: string;
  image: string;
  priceCents: number;
  /** True when options cost different amounts: the card says "From". */
  priceVaries: boolean;
  availability: Availability;
  /** "4 sizes", "3 colours". */
  optionsLabel: string;
  /** Swatch colours, for products whose options are colours. */
  swatches: { name: string; colour: string }[];
  category?: string;
}

export const optionKind = (product: Pick<CatalogProduct, 'slug'>) =>
  hasColourOptions(product.slug) ? 'Colour' : 'Size';

export function cardOf(product: CatalogProduct, availability: Availability): ProductCardData {
  const prices = product.variants.map((v) => v.priceCents);
  const colours = hasColourOptions(product.slug);
  const count = product.variants.length;
  return {
    slug: product.slug,
    title: product.title,
    image: productImage(product.slug),
    priceCents: Math.min(...prices),
    priceVaries: new Set(prices).size > 1,
    availability,
    optionsLabel: `${count} ${colours ? (count === 1 ? 'colour' : 'colours') : count === 1 ? 'size' : 'sizes'}`,
    swatches: colours
      ? product.variants.map((v) => ({ name: v.option, colour: OPTION_COLOURS[v.option] ?? '#ccc' }))
      : [],
    ...(product.categories[0] ? { category: product.categories[0].name } : {}),
  };
}

export type SortKey = 'featured' | 'price-asc' | 'price-desc' | 'name';
export const SORTS: { key: SortKey; label: string }[] = [
  { key: 'featured', label: 'Featured' },
  { key: 'price-asc', label: 'Price, low to high' },
  { key: 'price-desc', label: 'Price, high to low' },
  { key: 'name', label: 'Name, A–Z' },
];

export const sortKeyOf = (value: unknown): SortKey =>
  SORTS.some((s) => s.key === value) ? (value as SortKey) : 'featured';

/** Cards in the chosen order; "featured" is the catalog's own order. Sold-out products go last. */
export function sortCards(cards: ProductCardData[], sort: SortKey): ProductCardData[] {
  const by: Record<SortKey, (a: ProductCardData, b: ProductCardData) => number> = {
    featured: () => 0,
    'price-asc': (a, b) => a.priceCents - b.priceCents,
    'price-desc': (a, b) => b.priceCents - a.priceCents,
    name: (a, b) => a.title.localeCompare(b.title),
  };
  const soldOutLast = (a: ProductCardData, b: ProductCardData) =>
    Number(a.availability === 'sold-out') - Number(b.availability === 'sold-out');
  return [...cards].sort((a, b) => soldOutLast(a, b) || by[sort](a, b));
}
