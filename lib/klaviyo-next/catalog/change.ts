import { createHash } from 'node:crypto';
import { toMajor } from '../events/money';
import type { CatalogCategory, CatalogProduct, CatalogVariant } from './types';

/**
 * What a catalog outbox message carries: whole objects, already in Klaviyo's attribute names, each with
 * the hash of its content. The deliverer compares the hashes with what it knows Klaviyo holds
 * (klaviyo_catalog_synced) and sends only what differs. `at` is when the host built the change (it
 * tells a state set again apart in the dedup key); the order of changes is the outbox's (ids), and a
 * change older than the one Klaviyo last applied is never sent (a dead letter replayed late).
 */
export type CatalogChange =
  | { op: 'category'; at: number; category: CategoryWrite }
  | { op: 'category-delete'; at: number; categoryId: string }
  | { op: 'product'; at: number; item: ItemWrite; variants: VariantWrite[] }
  /** Variants then (when `itemId` is set) their item. Without `itemId`: stray variants only. */
  | { op: 'product-delete'; at: number; itemId?: string; variantIds: string[]; parentId?: string };

/** The attributes both create and update take (external_id and the scope only go with a create). */
export interface ItemAttributes {
  title: string;
  description: string;
  url: string;
  price: number;
  image_full_url?: string;
  published: boolean;
}
export interface VariantAttributes {
  title: string;
  description: string;
  sku: string;
  url: string;
  price: number;
  inventory_quantity: number;
  image_full_url?: string;
  published: boolean;
}
export interface ItemWrite {
  id: string;
  attributes: ItemAttributes;
  categoryIds: string[];
  hash: string;
}
export interface VariantWrite {
  id: string;
  attributes: VariantAttributes;
  hash: string;
}
export interface CategoryWrite {
  id: string;
  attributes: { name: string };
  hash: string;
}

export type CatalogObjectType = 'item' | 'variant' | 'category';

/** A JSON text with keys sorted and undefined/null left out: two states compare by content. */
function canonical(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonical).join(',')}]`;
  if (value && typeof value === 'object')
    return `{${Object.entries(value)
      .filter(([, v]) => v !== undefined && v !== null)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
      .map(([k, v]) => `${JSON.stringify(k)}:${canonical(v)}`)
      .join(',')}}`;
  return JSON.stringify(value);
}

const sha = (value: unknown) => createHash('sha256').update(canonical(value)).digest('hex').slice(0, 32);

/** The hash of an item's state, from our attributes or from what Klaviyo answers (same fields). */
export const itemHash = (attributes: ItemAttributes, categoryIds: readonly string[]) =>
  sha({ ...pickItem(attributes), categories: [...new Set(categoryIds)].sort() });
export const variantHash = (attributes: VariantAttributes, itemId: string) =>
  sha({ ...pickVariant(attributes), item: itemId });
export const categoryHash = (attributes: { name: string }) => sha({ name: attributes.name });

const ITEM_FIELDS = ['title', 'description', 'url', 'price', 'image_full_url', 'published'] as const;
const VARIANT_FIELDS = [
  'title',
  'description',
  'sku',
  'url',
  'price',
  'inventory_quantity',
  'image_full_url',
  'published',
] as const;

function pick<K extends string>(source: Record<string, unknown>, fields: readonly K[]) {
  const out: Record<string, unknown> = {};
  for (const f of fields) if (source[f] !== undefined && source[f] !== null) out[f] = source[f];
  return out;
}
/** Only the fields the sync sets: Klaviyo's answers carry more (created, updated, images...). */
export const pickItem = (a: Record<string, unknown> | ItemAttributes) =>
  pick(a as Record<string, unknown>, ITEM_FIELDS) as unknown as ItemAttributes;
export const pickVariant = (a: Record<string, unknown> | VariantAttributes) =>
  pick(a as Record<string, unknown>, VARIANT_FIELDS) as unknown as VariantAttributes;

export function itemWrite(product: CatalogProduct): ItemWrite {
  const attributes: ItemAttributes = {
    title: product.title,
    description: product.description,
    url: product.url,
    price: toMajor(product.priceCents),
    ...(product.imageUrl ? { image_full_url: product.imageUrl } : {}),
    published: product.published,
  };
  const categoryIds = [...new Set(product.categoryIds)].sort();
  return { id: product.id, attributes, categoryIds, hash: itemHash(attributes, categoryIds) };
}

export function variantWrite(variant: CatalogVariant, itemId: string): VariantWrite {
  const attributes: VariantAttributes = {
    title: variant.title,
    description: variant.description,
    sku: variant.sku,
    url: variant.url,
    price: toMajor(variant.priceCents),
    inventory_quantity: variant.inventoryQuantity,
    ...(variant.imageUrl ? { image_full_url: variant.imageUrl } : {}),
    published: variant.published,
  };
  return { id: variant.id, attributes, hash: variantHash(attributes, itemId) };
}

export function categoryWrite(category: CatalogCategory): CategoryWrite {
  const attributes = { name: category.name };
  return { id: category.id, attributes, hash: categoryHash(attributes) };
}

/**
 * Changes to one product (its item and variants) share an order key, and so do changes to one
 * category: the outbox sends them one after another, in the order they were accepted, so the newest
 * wins and a variant never goes before the item it belongs to.
 */
export function catalogOrderKey(change: CatalogChange): string {
  switch (change.op) {
    case 'category':
      return `catalog:category:${change.category.id}`;
    case 'category-delete':
      return `catalog:category:${change.categoryId}`;
    case 'product':
      return `catalog:product:${change.item.id}`;
    case 'product-delete':
      return `catalog:product:${change.itemId ?? change.parentId ?? change.variantIds[0] ?? ''}`;
  }
}

/** The content a change sets, for its dedup key: the same state accepted twice is one message. */
export function changeHash(change: CatalogChange): string {
  switch (change.op) {
    case 'category':
      return change.category.hash;
    case 'product':
      return sha([change.item.hash, ...change.variants.map((v) => v.hash)]);
    case 'category-delete':
      return 'deleted';
    case 'product-delete':
      return sha(['deleted', [...change.variantIds].sort()]);
  }
}

/** A change in a few words, for the admin's Delivery page. */
export function describeChange(change: CatalogChange): string {
  switch (change.op) {
    case 'category':
      return `Catalog category ${change.category.id} · ${change.category.attributes.name}`;
    case 'category-delete':
      return `Catalog category ${change.categoryId} deleted`;
    case 'product':
      return `Catalog product ${change.item.id} · ${change.variants.length} variant${change.variants.length === 1 ? '' : 's'}`;
    case 'product-delete':
      return change.itemId
        ? `Catalog product ${change.itemId} deleted`
        : `Catalog variants ${change.variantIds.join(', ')} deleted`;
  }
}
