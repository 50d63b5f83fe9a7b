import type { BodyOf, KlaviyoClient } from '../client';
import { buildFilter, type Condition, contains, equals } from '../filter';
import { paginate } from '../paginate';
import {
  catalogBulk,
  categoryRefs,
  itemResource,
  type NewCatalogItem,
  type NewCatalogVariant,
  SCOPE,
  variantResource,
} from './catalog-bulk';

export type { NewCatalogItem, NewCatalogVariant, WaitOptions } from './catalog-bulk';
export type NewCatalogCategory = { external_id: string; name: string };
export type CatalogItemChanges = BodyOf<'update_catalog_item'>['data']['attributes'];
export type BackInStockRequest = BodyOf<'create_back_in_stock_subscription'>['data']['attributes'] & {
  variantId: string;
};

/** The id Klaviyo gives a catalog item, variant or category: `$custom:::$default:::<external_id>`. */
export const catalogId = (externalId: string) => `$custom:::$default:::${externalId}`;

/** The filter for the options that are set (each one a filter the list operation allows), if any. */
function where(...conditions: (Condition | false)[]): string | undefined {
  const set = conditions.filter((c): c is Condition => c !== false);
  return set.length ? buildFilter(...set) : undefined;
}

/** The product catalog (`$custom` integration): items, variants, categories, bulk jobs, back in stock. */
export function catalogsResource(client: KlaviyoClient) {
  return {
    listItems: (options: { categoryId?: string; titleContains?: string; published?: boolean } = {}) => {
      const filter = where(
        options.categoryId !== undefined && equals('category.id', options.categoryId),
        options.titleContains !== undefined && contains('title', options.titleContains),
        options.published !== undefined && equals('published', options.published),
      );
      return paginate(client, 'get_catalog_items', { query: { filter } });
    },
    getItem: async (id: string) => (await client.call('get_catalog_item', { path: { id } })).data,
    createItem: async (item: NewCatalogItem) =>
      (await client.call('create_catalog_item', { body: { data: itemResource(item) } })).data,

    /** Changes only the given attributes; `categoryIds`, when given, replaces the item's categories. */
    async updateItem(id: string, changes: CatalogItemChanges, categoryIds?: string[]) {
      const data = {
        type: 'catalog-item' as const,
        id,
        attributes: changes,
        ...(categoryIds && { relationships: { categories: categoryRefs(categoryIds) } }),
      };
      return (await client.call('update_catalog_item', { path: { id }, body: { data } })).data;
    },
    async deleteItem(id: string): Promise<void> {
      await client.call('delete_catalog_item', { path: { id } });
    },

    listVariants: (options: { itemId?: string; sku?: string } = {}) => {
      const filter = where(
        options.itemId !== undefined && equals('item.id', options.itemId),
        options.sku !== undefined && equals('sku', options.sku),
      );
      return paginate(client, 'get_catalog_variants', { query: { filter } });
    },
    createVariant: async (variant: NewCatalogVariant) =>
      (await client.call('create_catalog_variant', { body: { data: variantResource(variant) } })).data,

    listCategories: (options: { itemId?: string; nameContains?: string } = {}) => {
      const filter = where(
        options.itemId !== undefined && equals('item.id', options.itemId),
        options.nameContains !== undefined && contains('name', options.nameContains),
      );
      return paginate(client, 'get_catalog_categories', { query: { filter } });
    },
    async createCategory(category: NewCatalogCategory) {
      const data = { type: 'catalog-category' as const, attributes: { ...SCOPE, ...category } };
      return (await client.call('create_catalog_category', { body: { data } })).data;
    },

    ...catalogBulk(client),

    /**
     * Subscribes a profile to a variant's back-in-stock notifications on the given channels. Klaviyo
     * answers 202 with no body, and has no endpoint to read subscriptions back.
     */
    async subscribeBackInStock({ variantId, ...attributes }: BackInStockRequest): Promise<void> {
      await client.call('create_back_in_stock_subscription', {
        body: {
          data: {
            type: 'back-in-stock-subscription',
            attributes,
            relationships: { variant: { data: { type: 'catalog-variant', id: variantId } } },
          },
        },
      });
    },
  };
}
