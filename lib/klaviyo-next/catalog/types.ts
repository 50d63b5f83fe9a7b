/**
 * The catalogue port: what the host's store looks like to the plugin's catalog sync. The host maps its
 * own products onto these shapes; the plugin never reads the store's tables.
 */

export interface CatalogCategory {
  id: string;
  name: string;
}

export interface CatalogVariant {
  /** The store's variant id: Klaviyo's external_id; catalog id `$custom:::$default:::<id>`. */
  id: string;
  sku: string;
  title: string;
  description: string;
  /** Integer minor units; Klaviyo gets major units (events/money.ts). */
  priceCents: number;
  inventoryQuantity: number;
  url: string;
  imageUrl?: string;
  published: boolean;
}

export interface CatalogProduct {
  id: string;
  title: string;
  description: string;
  url: string;
  priceCents: number;
  imageUrl?: string;
  categoryIds: string[];
  published: boolean;
  variants: CatalogVariant[];
}

/** What the host supplies for a full resync (the plugin's `catalog` port). */
export interface CatalogSource {
  categories(): Promise<CatalogCategory[]>;
  /** Every product (published or not), a page at a time. */
  products(): AsyncIterable<CatalogProduct[]>;
  /**
   * One product as it is now, or undefined when the store no longer has it: what a stock change
   * (`catalog.stockChanged`) sends, read when delivery gets to it rather than at the sale.
   */
  product(id: string): Promise<CatalogProduct | undefined>;
}
