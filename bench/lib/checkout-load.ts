import type { SqlDatabase } from '../../lib/klaviyo-next/sql/types.js';
import { addToCart, createCart } from '../../lib/store/cart.js';
import { CONSENT_DISCLOSURES } from '../../lib/store/consent-disclosures.js';
import type { StoreDeps } from '../../lib/store/deps.js';
import { setStock } from '../../lib/store/inventory.js';

// The checkout benchmark's workload; the integration tests place the same load orders
// (tests/support/checkout-load.ts). No vitest imports: benchmarks run under plain tsx.

/** Where every test checkout ships (load orders and the integration tests' checkout form alike). */
export const SHIPPING_ADDRESS = {
  address1: '1 Analytical Way',
  city: 'San Francisco',
  region: 'CA',
  zip: '94107',
  country: 'US',
};

/** Three in-stock variants a load test buys one of each of: every order has three lines. */
export const LOAD_VARIANTS = ['organic-cotton-tee-m', 'relaxed-chino-32', 'linen-button-down-m'] as const;

/** Back-office restock so hundreds of orders never run the demo shelf (25 a variant) dry. */
export async function restock(db: SqlDatabase, units: number, now = Date.now()): Promise<void> {
  await db.transaction(async (tx) => {
    for (const variantId of LOAD_VARIANTS) await setStock(tx, variantId, units, now);
  });
}

/** A cart holding one of each load variant. */
export async function loadCart(deps: Pick<StoreDeps, 'db' | 'now'>): Promise<string> {
  const cart = await createCart(deps);
  for (const variantId of LOAD_VARIANTS) {
    const added = await addToCart(deps, { cartId: cart.id, variantId, quantity: 1 });
    if (!added.ok) throw new Error(`could not add ${variantId}: ${added.error.message}`);
  }
  return cart.id;
}

/**
 * The checkout form of load order `i`: one of `shoppers` returning shoppers (so lifetime order counts
 * grow), without a phone (one shared test number would merge their profiles), with email marketing
 * consent on every `consentEvery`-th order.
 */
export function loadForm(
  cartId: string,
  i: number,
  options: { shoppers?: number; consentEvery?: number } = {},
) {
  const consent = options.consentEvery !== undefined && i % options.consentEvery === 0;
  return {
    cartId,
    email: `shopper${i % (options.shoppers ?? 250)}@example.com`,
    firstName: 'Ada',
    lastName: 'Lovelace',
    shippingAddress: { ...SHIPPING_ADDRESS },
    marketing: consent ? { email: CONSENT_DISCLOSURES.email.version } : {},
  };
}
