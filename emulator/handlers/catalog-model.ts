import { EmulatorError, invalid, notFound } from '../core/errors.js';
import { isoTime } from '../core/ids.js';
import type { Account } from '../store/account.js';
import type { Attributes, GenericRecord } from '../store/types.js';

/**
 * Catalog items, variants and categories as account records, shared by the single-resource handlers,
 * the bulk jobs, back in stock and the seed. Record attributes are the response attributes of the
 * spec's Catalog*ResponseObjectResource schemas. Item-category membership lives on the item only
 * (`relationships.categories`); a variant names its item in `relationships.item`.
 */
export const ITEM = 'catalog-item';
export const VARIANT = 'catalog-variant';
export const CATEGORY = 'catalog-category';
export type CatalogType = typeof ITEM | typeof VARIANT | typeof CATEGORY;

/** What a create or update body's `data` carries (a resource object of the spec's *Query schemas). */
export interface CatalogInput {
  id?: string;
  attributes?: Attributes;
  relationships?: Record<string, { data?: any }>;
}

const LABEL: Record<CatalogType, string> = {
  [ITEM]: 'Catalog item',
  [VARIANT]: 'Catalog variant',
  [CATEGORY]: 'Catalog category',
};

// "Currently, the only supported integration type is `$custom`, and the only supported catalog type
// is `$default`" (get_catalog_items); ids are `{integration}:::{catalog}:::{external_id}` (path `id`).
const INTEGRATION = '$custom';
const CATALOG = '$default';
// custom_metadata: "Flat JSON blob ... May not exceed 100kb" (create_catalog_item attributes).
const MAX_METADATA_BYTES = 100 * 1024;

/** The writable attributes, in the order of the spec's response schemas. */
const FIELDS: Record<CatalogType, string[]> = {
  [ITEM]: [
    'title',
    'description',
    'price',
    'url',
    'image_full_url',
    'image_thumbnail_url',
    'images',
    'custom_metadata',
    'published',
  ],
  [VARIANT]: [
    'title',
    'description',
    'sku',
    'inventory_policy',
    'inventory_quantity',
    'price',
    'url',
    'image_full_url',
    'image_thumbnail_url',
    'images',
    'custom_metadata',
    'published',
  ],
  [CATEGORY]: ['name'],
};

// The `required` lists of the create schemas, less external_id, which cannot be updated.
const REQUIRED: Record<CatalogType, string[]> = {
  [ITEM]: ['title', 'description', 'url'],
  [VARIANT]: ['title', 'description', 'sku', 'inventory_quantity', 'price', 'url'],
  [CATEGORY]: ['name'],
};

// What an optional attribute is when a create leaves it out (`published` and `inventory_policy`
// defaults are the create schemas').
const DEFAULTS: Attributes = {
  price: null,
  inventory_policy: 0,
  image_full_url: null,
  image_thumbnail_url: null,
  images: [],
  custom_metadata: {},
  published: true,
};

export function catalogId(externalId: string): string {
  return `${INTEGRATION}:::${CATALOG}:::${externalId}`;
}

export const identifier = (type: CatalogType) => (record: GenericRecord) => ({ type, id: record.id });

export function getOr404(account: Account, type: CatalogType, id: string | undefined): GenericRecord {
  const record = id === undefined ? undefined : account.collection(type).get(id);
  if (!record) throw notFound(`${LABEL[type]} '${id}' does not exist.`);
  return record;
}

/** A record named in a request body; an unknown one is the body's fault, so 400 at its pointer. */
function referenced(account: Account, type: CatalogType, id: string, pointer: string): GenericRecord {
  const record = account.collection(type).get(id);
  if (!record) throw invalid(`${LABEL[type]} '${id}' does not exist.`, { pointer });
  return record;
}

export function variantsOf(account: Account, itemId: string): GenericRecord[] {
  return [...account.collection(VARIANT).values()].filter((v) => v.relationships.item?.[0] === itemId);
}

export function itemsIn(account: Account, categoryId: string): GenericRecord[] {
  return [...account.collection(ITEM).values()].filter((i) =>
    (i.relationships.categories ?? []).includes(categoryId),
  );
}

export function categoriesOf(account: Account, item: GenericRecord): GenericRecord[] {
  const categories = account.collection(CATEGORY);
  return (item.relationships.categories ?? [])
    .map((id) => categories.get(id))
    .filter((c): c is GenericRecord => c !== undefined);
}

// ── attribute rules the schemas cannot express ──────────────────────────────

function newId(account: Account, type: CatalogType, attributes: Attributes, pointer: string): string {
  const externalId: string = attributes.external_id;
  if (externalId.trim() === '') {
    throw invalid('external_id must not be empty.', { pointer: `${pointer}/attributes/external_id` });
  }
  const catalog = attributes.catalog_type ?? CATALOG;
  if (catalog !== CATALOG) {
    throw invalid(`Only the '${CATALOG}' catalog_type is supported.`, {
      pointer: `${pointer}/attributes/catalog_type`,
    });
  }
  const id = catalogId(externalId);
  if (account.collection(type).has(id)) {
    throw new EmulatorError(
      409,
      'conflict',
      `A ${LABEL[type].toLowerCase()} with external_id '${externalId}' already exists (id '${id}').`,
      { pointer: `${pointer}/attributes/external_id` },
    );
  }
  return id;
}

function checkMetadata(attributes: Attributes, pointer: string): void {
  const metadata = attributes.custom_metadata;
  if (metadata && Buffer.byteLength(JSON.stringify(metadata)) > MAX_METADATA_BYTES) {
    throw invalid('custom_metadata may not exceed 100kb.', {
      pointer: `${pointer}/attributes/custom_metadata`,
    });
  }
}

/** Copies the attributes a write may set; `null` clears an optional field but not a required one. */
function applyAttributes(type: CatalogType, record: GenericRecord, input: Attributes, pointer: string): void {
  const cleared = REQUIRED[type].find((field) => field in input && input[field] === null);
  if (cleared) throw invalid(`'${cleared}' cannot be null.`, { pointer: `${pointer}/attributes/${cleared}` });
  for (const field of FIELDS[type]) {
    if (field in input) record.attributes[field] = input[field];
  }
}

function touch(record: GenericRecord, at: number): void {
  record.updatedMs = at;
  record.attributes.updated = isoTime(at);
}

function insert(
  account: Account,
  type: CatalogType,
  id: string,
  input: Attributes,
  relationships: Record<string, string[]>,
  pointer: string,
  at: number,
): GenericRecord {
  const record: GenericRecord = {
    id,
    attributes: { external_id: input.external_id },
    relationships,
    createdMs: at,
    updatedMs: at,
  };
  for (const field of FIELDS[type]) record.attributes[field] = DEFAULTS[field];
  applyAttributes(type, record, input, pointer);
  // Categories carry only `updated` (CatalogCategoryResponseObjectResource); items and variants both.
  if (type !== CATEGORY) record.attributes.created = isoTime(at);
  touch(record, at);
  account.collection(type).set(id, record);
  return record;
}

function idsAt(
  account: Account,
  type: CatalogType,
  data: { id: string }[] | undefined,
  pointer: string,
): string[] {
  return (data ?? []).map((ref, i) => referenced(account, type, ref.id, `${pointer}/${i}/id`).id);
}

// ── items ───────────────────────────────────────────────────────────────────

export function createItem(
  account: Account,
  input: CatalogInput,
  pointer = '/data',
  at = account.now(),
): GenericRecord {
  const attributes = input.attributes ?? {};
  const id = newId(account, ITEM, attributes, pointer);
  checkMetadata(attributes, pointer);
  const categories = idsAt(
    account,
    CATEGORY,
    input.relationships?.categories?.data,
    `${pointer}/relationships/categories/data`,
  );
  return insert(account, ITEM, id, attributes, { categories: [...new Set(categories)] }, pointer, at);
}

/** PATCH: attributes merge; `relationships.categories`, when sent, replaces the item's categories. */
export function updateItem(
  account: Account,
  id: string,
  input: CatalogInput,
  pointer = '/data',
): GenericRecord {
  const item = getOr404(account, ITEM, id);
  const attributes = input.attributes ?? {};
  checkMetadata(attributes, pointer);
  const categories = input.relationships?.categories?.data;
  const ids = idsAt(account, CATEGORY, categories, `${pointer}/relationships/categories/data`);
  applyAttributes(ITEM, item, attributes, pointer);
  if (categories) item.relationships.categories = [...new Set(ids)];
  touch(item, account.now());
  return item;
}

/** Variants cannot outlive their item (a variant create requires one), so they go with it. */
export function deleteItem(account: Account, id: string): void {
  getOr404(account, ITEM, id);
  for (const variant of variantsOf(account, id)) deleteVariant(account, variant.id);
  account.collection(ITEM).delete(id);
}

// ── variants ────────────────────────────────────────────────────────────────

export function createVariant(
  account: Account,
  input: CatalogInput,
  pointer = '/data',
  at = account.now(),
): GenericRecord {
  const attributes = input.attributes ?? {};
  // relationships.item is required by CatalogVariantCreateQuery; the item must exist.
  const itemId: string = input.relationships?.item?.data?.id;
  const item = referenced(account, ITEM, itemId, `${pointer}/relationships/item/data/id`);
  const id = newId(account, VARIANT, attributes, pointer);
  checkMetadata(attributes, pointer);
  return insert(account, VARIANT, id, attributes, { item: [item.id] }, pointer, at);
}

export function updateVariant(
  account: Account,
  id: string,
  input: CatalogInput,
  pointer = '/data',
): GenericRecord {
  const variant = getOr404(account, VARIANT, id);
  const attributes = input.attributes ?? {};
  checkMetadata(attributes, pointer);
  const stockBefore = variant.attributes.inventory_quantity;
  applyAttributes(VARIANT, variant, attributes, pointer);
  touch(variant, account.now());
  // A rise from out of stock notifies whoever waits for the variant (store/back-in-stock.ts).
  account.backInStock.inventoryChanged(id, stockBefore, variant.attributes.inventory_quantity);
  return variant;
}

export function deleteVariant(account: Account, id: string): void {
  getOr404(account, VARIANT, id);
  account.collection(VARIANT).delete(id);
  account.backInStock.variantDeleted(id);
}

// ── categories ──────────────────────────────────────────────────────────────

export function createCategory(
  account: Account,
  input: CatalogInput,
  pointer = '/data',
  at = account.now(),
): GenericRecord {
  const attributes = input.attributes ?? {};
  const id = newId(account, CATEGORY, attributes, pointer);
  const items = idsAt(account, ITEM, input.relationships?.items?.data, `${pointer}/relationships/items/data`);
  const category = insert(account, CATEGORY, id, attributes, {}, pointer, at);
  linkItems(account, category.id, items, 'add');
  return category;
}

/** PATCH: `relationships.items`, when sent, replaces the category's items. */
export function updateCategory(
  account: Account,
  id: string,
  input: CatalogInput,
  pointer = '/data',
): GenericRecord {
  const category = getOr404(account, CATEGORY, id);
  const items = input.relationships?.items?.data;
  const ids = idsAt(account, ITEM, items, `${pointer}/relationships/items/data`);
  applyAttributes(CATEGORY, category, input.attributes ?? {}, pointer);
  if (items) linkItems(account, id, ids, 'replace');
  touch(category, account.now());
  return category;
}

export function deleteCategory(account: Account, id: string): void {
  getOr404(account, CATEGORY, id);
  for (const item of itemsIn(account, id)) setMember(item, id, false);
  account.collection(CATEGORY).delete(id);
}

// ── item <-> category membership ────────────────────────────────────────────

export type LinkMode = 'add' | 'replace' | 'remove';

function setMember(item: GenericRecord, categoryId: string, member: boolean): void {
  const current = item.relationships.categories ?? [];
  if (current.includes(categoryId) === member) return;
  item.relationships.categories = member
    ? [...current, categoryId]
    : current.filter((id) => id !== categoryId);
}

/** The category side of membership: POST adds, PATCH replaces, DELETE removes (CatalogCategoryItemOp). */
export function linkItems(account: Account, categoryId: string, itemIds: string[], mode: LinkMode): void {
  const named = new Set(itemIds);
  const affected =
    mode === 'replace'
      ? [...account.collection(ITEM).values()]
      : [...named].map((id) => getOr404(account, ITEM, id));
  for (const item of affected) setMember(item, categoryId, mode === 'remove' ? false : named.has(item.id));
}

/** The item side of membership (CatalogItemCategoryOp), with the same add/replace/remove modes. */
export function linkCategories(item: GenericRecord, categoryIds: string[], mode: LinkMode): void {
  const current = item.relationships.categories ?? [];
  const named = [...new Set(categoryIds)];
  item.relationships.categories =
    mode === 'add'
      ? [...new Set([...current, ...named])]
      : mode === 'replace'
        ? named
        : current.filter((id) => !named.includes(id));
}

/** Checks the resource identifiers of a relationship body and returns their ids. */
export function relationshipIds(account: Account, type: CatalogType, data: { id: string }[]): string[] {
  return idsAt(account, type, data, '/data');
}

/** The create/update/delete of each catalog type, for the bulk jobs. */
export const CATALOG_WRITES: Record<
  CatalogType,
  {
    create: (account: Account, input: CatalogInput, pointer: string) => GenericRecord;
    update: (account: Account, id: string, input: CatalogInput, pointer: string) => GenericRecord;
    remove: (account: Account, id: string) => void;
  }
> = {
  [ITEM]: { create: createItem, update: updateItem, remove: deleteItem },
  [VARIANT]: { create: createVariant, update: updateVariant, remove: deleteVariant },
  [CATEGORY]: { create: createCategory, update: updateCategory, remove: deleteCategory },
};
