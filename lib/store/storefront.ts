import 'server-only';
import sql from 'sql-template-tag';
import type { Storefront } from '../klaviyo-next/events';
import type { LineSnapshot } from '../klaviyo-next/events/types';
import { loadCart } from './cart';
import { productSnapshot, sellableVariant } from './catalog';
import type { StoreDeps } from './deps';
import { SHOPPER_SESSION_COOKIE, shopperEmail } from './shopper-session';
import { consentFromCookie, TRACKING_CONSENT_COOKIE } from './tracking-consent';

function line(variantId: string, quantity: number, storeUrl: string): LineSnapshot | undefined {
  const found = sellableVariant(variantId);
  if (!found) return undefined;
  return { ...productSnapshot(found.product, found.variant, storeUrl), lineId: variantId, quantity };
}

/** The demo store as the track relay sees it: its catalog, its carts and its shopper sessions. */
export function demoStorefront(deps: Pick<StoreDeps, 'db' | 'now' | 'storeUrl'>): Storefront {
  const { db, storeUrl } = deps;
  return {
    sessionCookie: SHOPPER_SESSION_COOKIE,

    async product(variantId) {
      const found = sellableVariant(variantId);
      return found ? productSnapshot(found.product, found.variant, storeUrl) : undefined;
    },

    async cart(cartId, revision) {
      const cart = await loadCart(db, cartId);
      if (!cart || revision < 1 || revision > cart.revision) return undefined;
      const [change] = await db.query<{ kind: string; variant_id: string; quantity: number }>(
        sql`SELECT kind, variant_id, quantity FROM store_cart_changes WHERE cart_id = ${cartId} AND revision = ${revision}`,
      );
      const lines = cart.lines.flatMap((l) => line(l.variantId, l.quantity, storeUrl) ?? []);
      const added = change?.kind === 'add' ? line(change.variant_id, change.quantity, storeUrl) : undefined;
      return {
        cart: {
          cartId,
          revision,
          currency: cart.currency,
          lines,
          // The storefront's /cart page restores a cart from this link (abandoned-cart emails).
          rebuildUrl: `${storeUrl}/cart?restore=${cartId}`,
        },
        ...(added ? { added } : {}),
      };
    },

    shopperEmail: (token) => shopperEmail(db, token, deps.now()),

    // The banner's answer (app/(store)/consent/actions.ts); only an explicit yes counts.
    trackingConsent: (cookies) => consentFromCookie(cookies.get(TRACKING_CONSENT_COOKIE)) === 'granted',
  };
}
