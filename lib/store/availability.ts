import 'server-only';
import sql, { join } from 'sql-template-tag';
import type { SqlExecutor } from '../klaviyo-next/sql/types';
import { type CatalogProduct, shippedVariant } from './catalog';

/**
 * Units on hand for many variants in one query, for product grids and pages. A variant never sold
 * has no inventory row yet and is at the catalog's starting stock (see inventory.ts).
 */
export async function stockLevels(
  db: SqlExecutor,
  variantIds: readonly string[],
): Promise<Map<string, number>> {
  const levels = new Map(variantIds.map((id) => [id, shippedVariant(id)?.variant.initialStock ?? 0]));
  if (variantIds.length === 0) return levels;
  const rows = await db.query<{ variant_id: string; on_hand: number }>(
    sql`SELECT variant_id, on_hand FROM store_inventory WHERE variant_id IN (${join(variantIds)})`,
  );
  for (const row of rows) levels.set(row.variant_id, Number(row.on_hand));
  return levels;
}

/** What a product card says about stock: all gone, some options gone, or nothing worth saying. */
export type Availability = 'sold-out' | 'limited' | 'available';

export function availabilityOf(product: CatalogProduct, levels: Map<string, number>): Availability {
  const inStock = product.variants.filter((v) => (levels.get(v.id) ?? 0) > 0).length;
  if (inStock === 0) return 'sold-out';
  return inStock < product.variants.length ? 'limited' : 'available';
}

/** Stock for every variant of these products. */
export const stockForProducts = (db: SqlExecutor, products: readonly CatalogProduct[]) =>
  stockLevels(
    db,
    products.flatMap((p) => p.variants.map((v) => v.id)),
  );
