import type { NewCatalogItem, NewCatalogVariant } from '../../lib/klaviyo-next/api/resources/catalogs.js';

// Shared by the catalogs resource tests (single calls and bulk jobs), which build the same records.

/** A valid new catalog item priced 20; `extra` overrides any attribute. */
export const catalogItem = (externalId: string, extra: Partial<NewCatalogItem> = {}): NewCatalogItem => ({
  external_id: externalId,
  title: `Item ${externalId}`,
  description: `The ${externalId}`,
  url: `https://shop.example/products/${externalId}`,
  price: 20,
  ...extra,
});

/** A valid new variant of `itemId`, out of stock and priced 20; `extra` overrides any attribute. */
export const catalogVariant = (
  itemId: string,
  sku: string,
  extra: Partial<NewCatalogVariant> = {},
): NewCatalogVariant => ({
  itemId,
  external_id: sku,
  sku,
  title: `Variant ${sku}`,
  description: `The ${sku}`,
  url: `https://shop.example/products/${sku}`,
  price: 20,
  inventory_quantity: 0,
  ...extra,
});
