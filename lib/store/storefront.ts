import 'server-only';
import sql from 'sql-template-tag';
import type { CollectionSnapshot, SearchSnapshot, Storefront } from '../klaviyo-next/events';
import type { LineSnapshot } from '../klaviyo-next/events/types';
import { loadCart } from './cart';
import { type CatalogProduct, listCategories, productSnapshot } from './catalog';
import type { StoreDeps } from './deps';
import { type SellableVariant, searchProducts, sellableVariant, sellableVariants } from './products/current';
import { SHOPPER_SESSION_COOKIE, shopperEmail } from './shopper-session';
import { consentFromCookie, TRACKING_CONSENT_COOKIE } from './tracking-consent';

function line(
  found: SellableVariant | undefined,
  variantId: string,
  quantity: number,
  storeUrl: string,
): LineSnapshot | undefined {
  if (!found) return undefined;
  return { ...productSnapshot(found.product, found.variant, storeUrl), lineId: variantId, quantity };
}

/** The collection of every product, beside the categories (`/collections/all`). */
export const ALL_PRODUCTS = { slug: 'all', name: 'All products' } as const;

/** The collection at `/collections/<handle>`: a category or every product; nothing for another handle. */
export function collectionSnapshot(handle: string, storeUrl: string): CollectionSnapshot | undefined {
  const found = handle === ALL_PRODUCTS.slug ? ALL_PRODUCTS : listCategories().find((c) => c.slug === handle);
  return found
    ? {
        collectionId: found.slug,
        handle: found.slug,
        name: found.name,
        url: `${storeUrl}/collections/${found.slug}`,
      }
    : undefined;
}

/** The search page keeps the first 100 characters of what was typed. */
const SEARCH_TERM_MAX = 100;

/** A search term as the search page runs it: trimmed, at most SEARCH_TERM_MAX characters. */
export const searchTermOf = (typed: string) => typed.trim().slice(0, SEARCH_TERM_MAX);

/**
 * The store's search for `typed` (lib/store/products/current.ts searchProducts): the products the
 * search page lists, and Submitted Search's snapshot with their count. The page and the relay both
 * ask here, so the count the shopper is shown is the count Klaviyo gets.
 */
export async function storeSearch(
  deps: Pick<StoreDeps, 'db' | 'storeUrl'>,
  typed: string,
): Promise<{ search: SearchSnapshot; products: CatalogProduct[] }> {
  const term = searchTermOf(typed);
  const products = term ? await searchProducts(deps.db, term) : [];
  return {
    search: {
      term,
      resultCount: products.length,
      url: `${deps.storeUrl}/search?q=${encodeURIComponent(term)}`,
    },
    products,
  };
}

/** The demo store as the track relay sees it: its catalog, its carts and its shopper sessions. */
export function demoStorefront(deps: Pick<StoreDeps, 'db' | 'now' | 'storeUrl'>): Storefront {
  const { db, storeUrl } = deps;
  return {
    sessionCookie: SHOPPER_SESSION_COOKIE,

    async product(variantId) {
      const found = await sellableVariant(db, variantId);
      return found ? productSnapshot(found.product, found.variant, storeUrl) : undefined;
    },

    async cart(cartId, revision) {
      const cart = await loadCart(db, cartId);
      if (!cart || revision < 1 || revision > cart.revision) return undefined;
      const [change] = await db.query<{ kind: string; variant_id: string; quantity: number }>(
        sql`SELECT kind, variant_id, quantity FROM store_cart_changes WHERE cart_id = ${cartId} AND revision = ${revision}`,
      );
      const sellable = await sellableVariants(db, [
        ...cart.lines.map((l) => l.variantId),
        ...(change ? [change.variant_id] : []),
      ]);
      const lineOf = (variantId: string, quantity: number) =>
        line(sellable.get(variantId), variantId, quantity, storeUrl);
      const lines = cart.lines.flatMap((l) => lineOf(l.variantId, l.quantity) ?? []);
      const added = change?.kind === 'add' ? lineOf(change.variant_id, change.quantity) : undefined;
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

    collection: async (handle) => collectionSnapshot(handle, storeUrl),

    search: async (term) => (await storeSearch(deps, term)).search,

    shopperEmail: (token) => shopperEmail(db, token, deps.now()),

    // The banner's answer (app/(store)/consent/actions.ts); only an explicit yes counts.
    trackingConsent: (cookies) => consentFromCookie(cookies.get(TRACKING_CONSENT_COOKIE)) === 'granted',
  };
}
