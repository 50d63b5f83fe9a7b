import type { SqlExecutor } from '../../klaviyo-next/sql/types';
import type { Cart } from '../cart';
import { type CatalogProduct, type CatalogVariant, productSnapshot } from '../catalog';
import { sellableVariants } from '../products/current';
import { StoreError } from '../result';
import type { OrderLine } from './types';

// Demo-store shipping: a flat rate, free from a basket of $100. Prices include tax, so tax is 0.
export const FLAT_SHIPPING_CENTS = 800;
export const FREE_SHIPPING_FROM_CENTS = 10_000;

export interface PricedItem {
  product: CatalogProduct;
  variant: CatalogVariant;
  quantity: number;
}

export interface PricedCart {
  items: PricedItem[];
  subtotalCents: number;
  shippingCents: number;
  taxCents: number;
  discountCents: number;
  totalCents: number;
}

/**
 * Prices a cart from the catalog alone: the cart holds quantities, never prices, so nothing a client
 * sends can change what an order costs. A variant no longer sold fails the checkout by name. Read in
 * checkout's transaction after it locked the lines' inventory rows, so a price change the merchant
 * makes meanwhile is either wholly before this order or wholly after it.
 */
export async function priceCart(db: SqlExecutor, cart: Cart): Promise<PricedCart> {
  const sellable = await sellableVariants(
    db,
    cart.lines.map((l) => l.variantId),
  );
  const items = cart.lines.map((line, i) => {
    const found = sellable.get(line.variantId);
    if (!found)
      throw new StoreError(`An item in the cart is no longer sold; remove it to continue.`, `lines.${i}`);
    return { ...found, quantity: line.quantity };
  });
  const subtotalCents = items.reduce((sum, i) => sum + i.variant.priceCents * i.quantity, 0);
  const shippingCents = subtotalCents >= FREE_SHIPPING_FROM_CENTS ? 0 : FLAT_SHIPPING_CENTS;
  return {
    items,
    subtotalCents,
    shippingCents,
    taxCents: 0,
    discountCents: 0,
    totalCents: subtotalCents + shippingCents,
  };
}

/** The order's lines, numbered from 1; a line id is `<order id>-<n>`. */
export function orderLines(orderId: string, items: PricedItem[], storeUrl: string): OrderLine[] {
  return items.map((item, i) => ({
    ...productSnapshot(item.product, item.variant, storeUrl),
    lineId: `${orderId}-${i + 1}`,
    position: i + 1,
    quantity: item.quantity,
    fulfilledQuantity: 0,
    refundedQuantity: 0,
  }));
}
