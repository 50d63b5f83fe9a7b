import { expect } from 'vitest';
import type { CatalogProduct, CatalogSource } from '../../lib/klaviyo-next/catalog/types.js';
import { createKlaviyoNext, type KlaviyoNextOptions } from '../../lib/klaviyo-next/create.js';
import type { SqlDatabase } from '../../lib/klaviyo-next/sql/types.js';
import type { TestEmulator } from './emulator.js';

// The catalog sync tests' small store, and the emulator's catalogue read back in the store's terms.

/** A small store whose catalogue a test can change. */
export function store() {
  const categories = [
    { id: 'cat-tea', name: 'Tea' },
    { id: 'cat-cups', name: 'Cups' },
  ];
  const products: CatalogProduct[] = [1, 2, 3, 4].map((n) => ({
    id: `p${n}`,
    title: `Product ${n}`,
    description: `About product ${n}`,
    url: `https://shop.example/products/p${n}`,
    priceCents: 1000 + n,
    imageUrl: `https://shop.example/img/p${n}.jpg`,
    categoryIds: n % 2 ? ['cat-tea'] : ['cat-tea', 'cat-cups'],
    published: true,
    variants: ['s', 'l'].map((size) => ({
      id: `p${n}-${size}`,
      sku: `SKU-${n}-${size}`,
      title: `Product ${n} ${size}`,
      description: `About product ${n}`,
      priceCents: 1000 + n,
      inventoryQuantity: 5,
      url: `https://shop.example/products/p${n}?v=${size}`,
      published: true,
    })),
  }));
  const source: CatalogSource = {
    categories: async () => categories.map((c) => ({ ...c })),
    product: async (id) => structuredClone(products.find((p) => p.id === id)),
    async *products() {
      // Two pages, as a real store would hand them out.
      yield structuredClone(products.slice(0, 2));
      yield structuredClone(products.slice(2));
    },
  };
  return { categories, products, source };
}

export const OURS = '$custom:::$default:::';

/** The emulator's catalogue in the store's terms, for comparing with the source. */
export async function klaviyoCatalogue(emu: TestEmulator) {
  const all = async (path: string) => {
    const out: {
      id: string;
      attributes: Record<string, unknown>;
      relationships?: Record<string, { data?: unknown }>;
    }[] = [];
    let next: string | undefined = path;
    while (next) {
      const page = await emu.api(next);
      expect(page.status).toBe(200);
      out.push(...page.body.data);
      next = page.body.links?.next
        ? new URL(page.body.links.next).pathname + new URL(page.body.links.next).search
        : undefined;
    }
    return out;
  };
  const categories = (await all('/api/catalog-categories')).map((c) => ({
    id: c.id.replace(OURS, ''),
    name: c.attributes.name,
  }));
  const items = [];
  for (const item of await all('/api/catalog-items')) {
    const cats = await all(`/api/catalog-items/${encodeURIComponent(item.id)}/categories`);
    items.push({
      id: item.id.replace(OURS, ''),
      title: item.attributes.title,
      price: item.attributes.price,
      published: item.attributes.published,
      categories: cats.map((c) => c.id.replace(OURS, '')).sort(),
    });
  }
  const variants = (await all('/api/catalog-variants')).map((v) => ({
    id: v.id.replace(OURS, ''),
    item: String((v.relationships?.item?.data as { id: string } | undefined)?.id ?? '').replace(OURS, ''),
    price: v.attributes.price,
    inventory: v.attributes.inventory_quantity,
    sku: v.attributes.sku,
  }));
  const byId = <T extends { id: string }>(xs: T[]) => xs.sort((a, b) => a.id.localeCompare(b.id));
  return { categories: byId(categories), items: byId(items), variants: byId(variants) };
}

/** What the emulator should hold for the source. */
export function expected(categories: { id: string; name: string }[], products: CatalogProduct[]) {
  const byId = <T extends { id: string }>(xs: T[]) => xs.sort((a, b) => a.id.localeCompare(b.id));
  return {
    categories: byId(categories.map((c) => ({ ...c }))),
    items: byId(
      products.map((p) => ({
        id: p.id,
        title: p.title,
        price: p.priceCents / 100,
        published: p.published,
        categories: [...p.categoryIds].sort(),
      })),
    ),
    variants: byId(
      products.flatMap((p) =>
        p.variants.map((v) => ({
          id: v.id,
          item: p.id,
          price: v.priceCents / 100,
          inventory: v.inventoryQuantity,
          sku: v.sku,
        })),
      ),
    ),
  };
}

/** A plugin instance on `sql` that talks to the test emulator and delivers only when a test drains. */
export const catalogKlaviyo = (
  emu: TestEmulator,
  sql: SqlDatabase,
  options: Omit<KlaviyoNextOptions, 'env' | 'sql'> = {},
) =>
  createKlaviyoNext({
    env: {
      KLAVIYO_API_URL: emu.url,
      KLAVIYO_PRIVATE_KEY: emu.account.privateKey,
      KLAVIYO_PUBLIC_KEY: emu.account.publicKey,
    },
    sql,
    deliverSoon: () => undefined,
    ...options,
  });
