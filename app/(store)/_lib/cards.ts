import 'server-only';
import { app } from '@/lib/app';
import { availabilityOf, stockForProducts } from '@/lib/store/availability';
import type { CatalogProduct } from '@/lib/store/catalog';
import { cardOf, type ProductCardData } from '@/lib/store/product-view';

/** Product cards with live stock (one inventory query for the whole grid). */
export async function productCards(products: readonly CatalogProduct[]): Promise<ProductCardData[]> {
  const levels = await stockForProducts(app.store.db, products);
  return products.map((p) => cardOf(p, availabilityOf(p, levels)));
}
