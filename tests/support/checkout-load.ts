import { loadCart, loadForm } from '../../bench/lib/checkout-load.js';
import type { StoreDeps } from '../../lib/store/deps.js';
import { placeOrder } from '../../lib/store/orders/place-order.js';

// The load orders are the checkout benchmark's workload (bench/lib), so bench/ needs nothing from
// tests/; what only tests use stays here.
export {
  LOAD_VARIANTS,
  loadCart,
  loadForm,
  restock,
  SHIPPING_ADDRESS,
} from '../../bench/lib/checkout-load.js';

/** Load order `i`, start to finish: a cart, then the store's own placeOrder. */
export async function loadCheckout(
  deps: StoreDeps,
  i: number,
  options: { shoppers?: number; consentEvery?: number } = {},
) {
  return placeOrder(deps, loadForm(await loadCart(deps), i, options));
}
