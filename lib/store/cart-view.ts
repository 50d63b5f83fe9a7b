import 'server-only';
import type { CartSnapshot } from '../klaviyo-next/events/types';
import { type Cart, loadCart } from './cart';
import type { CatalogProduct, CatalogVariant } from './catalog';
import type { StoreDeps } from './deps';
import { FLAT_SHIPPING_CENTS, FREE_SHIPPING_FROM_CENTS } from './orders/pricing';
import { sellableVariants } from './products/current';
import { demoStorefront } from './storefront';

export interface CartLineView {
  variantId: string;
  productSlug: string;
  title: string;
  option: string;
  priceCents: number;
  quantity: number;
  lineTotalCents: number;
}

/** A cart as the cart page, checkout summary and header show it, priced from the catalog. */
export interface CartView {
  id: string;
  revision: number;
  currency: string;
  status: Cart['status'];
  lines: CartLineView[];
  /** Lines whose product is no longer sold; checkout refuses until they are removed. */
  unavailable: { variantId: string; quantity: number }[];
  itemCount: number;
  subtotalCents: number;
  shippingCents: number;
  totalCents: number;
  /** How much more earns free shipping; 0 once it applies. */
  toFreeShippingCents: number;
}

export const EMPTY_CART_ID = '';

/**
 * The same rules as checkout's pricing (lib/store/orders/pricing.ts), without failing on a stale line.
 * `find` gives a variant as it is sold now (products/current.ts), or undefined when it is not.
 */
export function viewOf(
  cart: Cart,
  find: (variantId: string) => { product: CatalogProduct; variant: CatalogVariant } | undefined,
): CartView {
  const lines: CartLineView[] = [];
  const unavailable: CartView['unavailable'] = [];
  for (const line of cart.lines) {
    const found = find(line.variantId);
    if (!found) {
      unavailable.push(line);
      continue;
    }
    lines.push({
      variantId: line.variantId,
      productSlug: found.product.slug,
      title: found.product.title,
      option: found.variant.option,
      priceCents: found.variant.priceCents,
      quantity: line.quantity,
      lineTotalCents: found.variant.priceCents * line.quantity,
    });
  }
  const subtotalCents = lines.reduce((sum, l) => sum + l.lineTotalCents, 0);
  const free = subtotalCents >= FREE_SHIPPING_FROM_CENTS;
  const shippingCents = lines.length === 0 || free ? 0 : FLAT_SHIPPING_CENTS;
  return {
    id: cart.id,
    revision: cart.revision,
    currency: cart.currency,
    status: cart.status,
    lines,
    unavailable,
    itemCount: lines.reduce((sum, l) => sum + l.quantity, 0),
    subtotalCents,
    shippingCents,
    totalCents: subtotalCents + shippingCents,
    toFreeShippingCents: free ? 0 : FREE_SHIPPING_FROM_CENTS - subtotalCents,
  };
}

/** The open cart a cookie names, or nothing (no cookie, a malformed id, an ordered cart). */
export async function openCartView(
  deps: Pick<StoreDeps, 'db'>,
  cartId: string | undefined,
): Promise<CartView | undefined> {
  if (!cartId || !/^[0-9a-f-]{36}$/.test(cartId)) return undefined;
  const cart = await loadCart(deps.db, cartId);
  if (cart?.status !== 'open') return undefined;
  const sellable = await sellableVariants(
    deps.db,
    cart.lines.map((l) => l.variantId),
  );
  return viewOf(cart, (id) => sellable.get(id));
}

/**
 * The cart as the tracking builders read it, at its current revision: what TrackStartedCheckout
 * sends and the relay rebuilds from the same ids, so both carry one unique_id.
 */
export async function cartSnapshot(
  deps: Pick<StoreDeps, 'db' | 'now' | 'storeUrl'>,
  cart: Pick<CartView, 'id' | 'revision'>,
): Promise<CartSnapshot | undefined> {
  return (await demoStorefront(deps).cart(cart.id, cart.revision))?.cart;
}
