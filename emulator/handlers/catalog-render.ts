import type { Context } from '../core/context.js';
import { listDocument, type Resource, sparse } from '../core/jsonapi.js';
import type { Account } from '../store/account.js';
import type { GenericRecord } from '../store/types.js';
import {
  CATEGORY,
  type CatalogType,
  ITEM,
  identifier,
  itemsIn,
  VARIANT,
  variantsOf,
} from './catalog-model.js';

// The shared collectionPath() pluralises by appending "s", which would give /api/catalog-categorys.
const PATHS: Record<CatalogType, string> = {
  [ITEM]: '/api/catalog-items',
  [VARIANT]: '/api/catalog-variants',
  [CATEGORY]: '/api/catalog-categories',
};

function base(ctx: Context, type: CatalogType, id: string): string {
  return `${ctx.baseUrl}${PATHS[type]}/${encodeURIComponent(id)}`;
}

function link(ctx: Context, type: CatalogType, id: string, name: string, data?: unknown) {
  const root = base(ctx, type, id);
  return {
    ...(data !== undefined ? { data } : {}),
    links: { self: `${root}/relationships/${name}/`, related: `${root}/${name}/` },
  };
}

function resource(
  ctx: Context,
  type: CatalogType,
  record: GenericRecord,
  relationships: Record<string, unknown>,
): Resource {
  return {
    type,
    id: record.id,
    attributes: sparse(ctx, type, record.attributes),
    relationships,
    links: { self: `${base(ctx, type, record.id)}/` },
  };
}

/** An item; its `variants` relationship carries data when the variants are included. */
export function renderItem(ctx: Context, item: GenericRecord, variants?: GenericRecord[]): Resource {
  return resource(ctx, ITEM, item, {
    variants: link(ctx, ITEM, item.id, 'variants', variants?.map(identifier(VARIANT))),
  });
}

export function renderVariant(ctx: Context, variant: GenericRecord): Resource {
  const item = variant.relationships.item?.[0];
  return resource(ctx, VARIANT, variant, {
    item: link(ctx, VARIANT, variant.id, 'item', item ? { type: ITEM, id: item } : undefined),
  });
}

export function renderCategory(ctx: Context, category: GenericRecord): Resource {
  return resource(ctx, CATEGORY, category, { items: link(ctx, CATEGORY, category.id, 'items') });
}

export const RENDER: Record<CatalogType, (ctx: Context, record: GenericRecord) => Resource> = {
  [ITEM]: (ctx, record) => renderItem(ctx, record),
  [VARIANT]: renderVariant,
  [CATEGORY]: renderCategory,
};

// ── filters (x-klaviyo-filters of each list operation) and sort ─────────────

function readItem(item: GenericRecord, field: string): unknown {
  if (field === 'ids') return item.id;
  if (field === 'category.id') return item.relationships.categories ?? [];
  return item.attributes[field];
}

function readVariant(variant: GenericRecord, field: string): unknown {
  if (field === 'ids') return variant.id;
  if (field === 'item.id') return variant.relationships.item?.[0];
  return variant.attributes[field];
}

const readCategory = (account: Account) => (category: GenericRecord, field: string) => {
  if (field === 'ids') return category.id;
  if (field === 'item.id') return itemsIn(account, category.id).map((i) => i.id);
  return category.attributes[field];
};

// `created` is the only sort field of the catalog lists; categories have no `created` attribute to
// show, so every type sorts on the record's creation time.
const byCreated = (record: GenericRecord) => record.createdMs;

// ── list documents ──────────────────────────────────────────────────────────

/** A page of items, with `included` variants when `include=variants` was asked for. */
export function itemsDocument(ctx: Context, items: Iterable<GenericRecord>) {
  const withVariants = ctx.query.include.includes('variants');
  const included: Resource[] = [];
  const doc = listDocument(ctx, items, {
    read: readItem,
    sortValue: byCreated,
    render: (item) => {
      if (!withVariants) return renderItem(ctx, item);
      const variants = variantsOf(ctx.account, item.id);
      included.push(...variants.map((v) => renderVariant(ctx, v)));
      return renderItem(ctx, item, variants);
    },
  });
  return withVariants ? { ...doc, included } : doc;
}

export function variantsDocument(ctx: Context, variants: Iterable<GenericRecord>) {
  return listDocument(ctx, variants, {
    read: readVariant,
    sortValue: byCreated,
    render: (v) => renderVariant(ctx, v),
  });
}

export function categoriesDocument(ctx: Context, categories: Iterable<GenericRecord>) {
  return listDocument(ctx, categories, {
    read: readCategory(ctx.account),
    sortValue: byCreated,
    render: (c) => renderCategory(ctx, c),
  });
}

/** A relationships endpoint: the same page, filters and sort as the related list, as identifiers. */
export function identifiersOf(doc: { data: Resource[]; links: unknown }) {
  return { data: doc.data.map(({ type, id }) => ({ type, id })), links: doc.links };
}
