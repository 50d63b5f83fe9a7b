import { DEMO_CATEGORIES, DEMO_PRODUCTS, optionCode } from '../../lib/store/catalog-data.js';
import { catalogId, createCategory, createItem, createVariant } from '../handlers/catalog-model.js';
import type { Account } from '../store/account.js';
import type { Random } from './random.js';

// The catalog data belongs to the app (lib/store); the emulator seeds Klaviyo's catalog from it.
export {
  DEMO_CATEGORIES,
  DEMO_PRODUCTS,
  type DemoCategory,
  type DemoProduct,
} from '../../lib/store/catalog-data.js';

const DAY_MS = 86_400_000;

/** What the catalog seed draws from its random source: each product's creation gap and stock. */
export interface CatalogDraws {
  /** Days after the previous product (the first after a year ago) each product was created. */
  gapDays: number[];
  /** Per product, per option: the in-stock quantity (0 for a sold-out option). */
  stock: number[][];
}

/**
 * Draws the catalog's random numbers, in the order the seed always has. The demo seed draws them
 * whether or not it writes the catalog, so what it seeds after (campaigns, flows, events) is the same
 * with and without a catalog.
 */
export function drawCatalog(random: Random): CatalogDraws {
  const draws: CatalogDraws = { gapDays: [], stock: [] };
  for (const product of DEMO_PRODUCTS) {
    draws.gapDays.push(random.int(5, 15));
    draws.stock.push(
      product.options.map((option) => (product.soldOut?.includes(option) ? 0 : random.int(4, 80))),
    );
  }
  return draws;
}

/**
 * Fills the account's catalog through the same writes the API uses: the categories, then each product
 * with its variants. Creation dates spread over the last year in list order, and in-stock quantities
 * come from `random`, so the catalog is the same on every start.
 */
export function seedCatalog(account: Account, random: Random): void {
  writeCatalog(account, drawCatalog(random));
}

export function writeCatalog(account: Account, draws: CatalogDraws): void {
  const store = account.settings.url;
  let at = account.now() - 365 * DAY_MS;
  for (const category of DEMO_CATEGORIES) {
    createCategory(account, { attributes: { external_id: category.slug, name: category.name } }, '/data', at);
  }
  DEMO_PRODUCTS.forEach((product, p) => {
    at += (draws.gapDays[p] ?? 0) * DAY_MS;
    const image = `/products/${product.slug}.jpg`;
    const item = createItem(
      account,
      {
        attributes: {
          external_id: product.slug,
          title: product.title,
          description: product.description,
          price: product.price,
          url: `${store}/products/${product.slug}`,
          image_full_url: image,
          image_thumbnail_url: image,
          images: [image],
          published: product.published ?? true,
        },
        relationships: {
          categories: {
            data: product.categories.map((slug) => ({ type: 'catalog-category', id: catalogId(slug) })),
          },
        },
      },
      '/data',
      at,
    );
    product.options.forEach((option, i) => {
      const sku = `${product.sku}-${optionCode(option)}`;
      createVariant(
        account,
        {
          attributes: {
            external_id: `${product.slug}-${optionCode(option).toLowerCase()}`,
            title: `${product.title} - ${option}`,
            description: product.description,
            sku,
            // 1: "a product will not appear in dynamic product recommendation feeds and blocks if it
            // is out of stock" (inventory_policy), so sold-out sizes are never recommended.
            inventory_policy: 1,
            inventory_quantity: draws.stock[p]?.[i] ?? 0,
            price: product.prices?.[i] ?? product.price,
            url: `${store}/products/${product.slug}?variant=${sku}`,
            image_full_url: image,
            image_thumbnail_url: image,
            images: [image],
            published: product.published ?? true,
          },
          relationships: { item: { data: { type: 'catalog-item', id: item.id } } },
        },
        '/data',
        at,
      );
    });
  });
}
