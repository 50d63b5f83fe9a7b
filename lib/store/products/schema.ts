import type { Migration } from '../../klaviyo-next/sql/migrate';

/**
 * The merchant's changes to the demo catalogue (lib/store/catalog-data.ts), kept as overrides over
 * the shipped data: a variant's price, and a product's published or deleted state. The data file
 * stays the source of titles, options and pictures (the emulator and the image generator read it
 * too); what the admin's Products page changes lives here, so it survives a deploy.
 */
export const PRODUCT_MIGRATIONS: Migration[] = [
  {
    version: 250,
    name: 'store_catalog_overrides',
    sql: `
      CREATE TABLE store_variant_prices (
        variant_id TEXT PRIMARY KEY,
        price_cents BIGINT NOT NULL CHECK (price_cents > 0),
        updated_at BIGINT NOT NULL
      );
      CREATE TABLE store_product_states (
        product_id TEXT PRIMARY KEY,
        published INTEGER NOT NULL CHECK (published IN (0, 1)),
        deleted_at BIGINT,
        updated_at BIGINT NOT NULL
      );`,
  },
];
