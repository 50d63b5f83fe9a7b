import { type Context, created, type Handler, type HandlerTable, noContent, ok } from '../core/context.js';
import { backInStockHandlers } from './catalog-back-in-stock.js';
import { catalogJobHandlers } from './catalog-jobs.js';
import {
  CATEGORY,
  categoriesOf,
  createCategory,
  createItem,
  createVariant,
  deleteCategory,
  deleteItem,
  deleteVariant,
  getOr404,
  ITEM,
  itemsIn,
  type LinkMode,
  linkCategories,
  linkItems,
  relationshipIds,
  updateCategory,
  updateItem,
  updateVariant,
  VARIANT,
  variantsOf,
} from './catalog-model.js';
import {
  categoriesDocument,
  identifiersOf,
  itemsDocument,
  renderCategory,
  renderItem,
  renderVariant,
  variantsDocument,
} from './catalog-render.js';

export { subscribeBackInStock } from './catalog-back-in-stock.js';

function getItem(ctx: Context) {
  const item = getOr404(ctx.account, ITEM, ctx.params.id);
  if (!ctx.query.include.includes('variants')) return ok({ data: renderItem(ctx, item) });
  const variants = variantsOf(ctx.account, item.id);
  return ok({
    data: renderItem(ctx, item, variants),
    included: variants.map((v) => renderVariant(ctx, v)),
  });
}

// The related lists of one item or category; an unknown parent is a 404.
const variantsOfItem = (ctx: Context) =>
  variantsDocument(ctx, variantsOf(ctx.account, getOr404(ctx.account, ITEM, ctx.params.id).id));
const categoriesOfItem = (ctx: Context) =>
  categoriesDocument(ctx, categoriesOf(ctx.account, getOr404(ctx.account, ITEM, ctx.params.id)));
const itemsOfCategory = (ctx: Context) =>
  itemsDocument(ctx, itemsIn(ctx.account, getOr404(ctx.account, CATEGORY, ctx.params.id).id));

/** POST adds, PATCH replaces and DELETE removes the items of a category (CatalogCategoryItemOp). */
const categoryItems =
  (mode: LinkMode): Handler =>
  (ctx) => {
    const category = getOr404(ctx.account, CATEGORY, ctx.params.id);
    linkItems(ctx.account, category.id, relationshipIds(ctx.account, ITEM, ctx.body.data), mode);
    return noContent();
  };

/** The same three operations from the item's side (CatalogItemCategoryOp). */
const itemCategories =
  (mode: LinkMode): Handler =>
  (ctx) => {
    const item = getOr404(ctx.account, ITEM, ctx.params.id);
    linkCategories(item, relationshipIds(ctx.account, CATEGORY, ctx.body.data), mode);
    return noContent();
  };

const itemHandlers: HandlerTable = {
  get_catalog_items: (ctx) => ok(itemsDocument(ctx, ctx.account.collection(ITEM).values())),
  get_catalog_item: getItem,
  create_catalog_item: (ctx) => created({ data: renderItem(ctx, createItem(ctx.account, ctx.body.data)) }),
  update_catalog_item: (ctx) =>
    ok({ data: renderItem(ctx, updateItem(ctx.account, ctx.params.id ?? '', ctx.body.data)) }),
  delete_catalog_item: (ctx) => {
    deleteItem(ctx.account, ctx.params.id ?? '');
    return noContent();
  },
  get_variants_for_catalog_item: (ctx) => ok(variantsOfItem(ctx)),
  get_variant_ids_for_catalog_item: (ctx) => ok(identifiersOf(variantsOfItem(ctx))),
  get_categories_for_catalog_item: (ctx) => ok(categoriesOfItem(ctx)),
  get_category_ids_for_catalog_item: (ctx) => ok(identifiersOf(categoriesOfItem(ctx))),
  add_categories_to_catalog_item: itemCategories('add'),
  update_categories_for_catalog_item: itemCategories('replace'),
  remove_categories_from_catalog_item: itemCategories('remove'),
};

const variantHandlers: HandlerTable = {
  get_catalog_variants: (ctx) => ok(variantsDocument(ctx, ctx.account.collection(VARIANT).values())),
  get_catalog_variant: (ctx) =>
    ok({ data: renderVariant(ctx, getOr404(ctx.account, VARIANT, ctx.params.id)) }),
  create_catalog_variant: (ctx) =>
    created({ data: renderVariant(ctx, createVariant(ctx.account, ctx.body.data)) }),
  update_catalog_variant: (ctx) =>
    ok({ data: renderVariant(ctx, updateVariant(ctx.account, ctx.params.id ?? '', ctx.body.data)) }),
  delete_catalog_variant: (ctx) => {
    deleteVariant(ctx.account, ctx.params.id ?? '');
    return noContent();
  },
};

const categoryHandlers: HandlerTable = {
  get_catalog_categories: (ctx) => ok(categoriesDocument(ctx, ctx.account.collection(CATEGORY).values())),
  get_catalog_category: (ctx) =>
    ok({ data: renderCategory(ctx, getOr404(ctx.account, CATEGORY, ctx.params.id)) }),
  create_catalog_category: (ctx) =>
    created({ data: renderCategory(ctx, createCategory(ctx.account, ctx.body.data)) }),
  update_catalog_category: (ctx) =>
    ok({ data: renderCategory(ctx, updateCategory(ctx.account, ctx.params.id ?? '', ctx.body.data)) }),
  delete_catalog_category: (ctx) => {
    deleteCategory(ctx.account, ctx.params.id ?? '');
    return noContent();
  },
  get_items_for_catalog_category: (ctx) => ok(itemsOfCategory(ctx)),
  get_item_ids_for_catalog_category: (ctx) => ok(identifiersOf(itemsOfCategory(ctx))),
  add_items_to_catalog_category: categoryItems('add'),
  update_items_for_catalog_category: categoryItems('replace'),
  remove_items_from_catalog_category: categoryItems('remove'),
};

/** Catalog items, variants, categories, their bulk jobs and back in stock subscriptions. */
export const catalogHandlers: HandlerTable = {
  ...itemHandlers,
  ...variantHandlers,
  ...categoryHandlers,
  ...catalogJobHandlers,
  ...backInStockHandlers,
};
