import 'server-only';
import type { KlaviyoClient } from '../api/client';
import { buildFilter, equals } from '../api/filter';
import { paginate } from '../api/paginate';
import { categoryHash, itemHash, pickItem, pickVariant, variantHash } from './change';

/** The prefix of every catalog id this integration writes (`$custom` integration, `$default` catalog). */
const OURS = '$custom:::$default:::';
const externalOf = (id: string) => (id.startsWith(OURS) ? id.slice(OURS.length) : undefined);

/** What Klaviyo holds of our catalogue: each object's content hash (change.ts), by external id. */
export interface KlaviyoCatalogue {
  categories: Map<string, string>;
  items: Map<string, string>;
  variants: Map<string, { hash: string; itemId: string }>;
}

// The page size list operations take at most (get_catalog_items' page[size]: "Maximum: 100").
const PAGE = 100;

/**
 * Reads Klaviyo's catalogue with paged GETs, asking only for the fields the sync sets (sparse
 * fieldsets): categories, then each category's items (membership), then items and variants. Objects
 * another integration wrote (not `$custom:::$default:::`) are left out: the sync never touches them.
 */
export async function readKlaviyoCatalogue(
  client: KlaviyoClient,
  signal?: AbortSignal,
): Promise<KlaviyoCatalogue> {
  const opts = signal ? { signal } : {};
  const categories = new Map<string, string>();
  const categoryIds: { id: string; external: string }[] = [];
  for await (const c of paginate(client, 'get_catalog_categories', {
    query: { 'fields[catalog-category]': ['name'], 'page[size]': PAGE } as never,
    ...opts,
  })) {
    const external = externalOf(c.id);
    if (external === undefined) continue;
    categories.set(external, categoryHash({ name: String(c.attributes.name ?? '') }));
    categoryIds.push({ id: c.id, external });
  }
  const categoriesOf = new Map<string, string[]>();
  for (const { id, external } of categoryIds)
    for await (const item of paginate(client, 'get_catalog_items', {
      query: {
        filter: buildFilter(equals('category.id', id)),
        'fields[catalog-item]': ['external_id'],
        'page[size]': PAGE,
      } as never,
      ...opts,
    })) {
      const itemExternal = externalOf(item.id);
      if (itemExternal !== undefined)
        categoriesOf.set(itemExternal, [...(categoriesOf.get(itemExternal) ?? []), external]);
    }
  const items = new Map<string, string>();
  for await (const item of paginate(client, 'get_catalog_items', {
    query: {
      'fields[catalog-item]': ['title', 'description', 'url', 'price', 'image_full_url', 'published'],
      'page[size]': PAGE,
    } as never,
    ...opts,
  })) {
    const external = externalOf(item.id);
    if (external === undefined) continue;
    const attributes = pickItem(item.attributes as Record<string, unknown>);
    items.set(external, itemHash(attributes, categoriesOf.get(external) ?? []));
  }
  const variants = new Map<string, { hash: string; itemId: string }>();
  for await (const variant of paginate(client, 'get_catalog_variants', {
    query: {
      'fields[catalog-variant]': [
        'title',
        'description',
        'sku',
        'url',
        'price',
        'inventory_quantity',
        'image_full_url',
        'published',
      ],
      'page[size]': PAGE,
    } as never,
    ...opts,
  })) {
    const external = externalOf(variant.id);
    const parent = (variant as { relationships?: { item?: { data?: { id?: string } } } }).relationships?.item
      ?.data?.id;
    const itemId = parent ? externalOf(parent) : undefined;
    if (external === undefined || itemId === undefined) continue;
    const attributes = pickVariant(variant.attributes as Record<string, unknown>);
    variants.set(external, { hash: variantHash(attributes, itemId), itemId });
  }
  return { categories, items, variants };
}
