import type { CollectionSnapshot, SearchSnapshot } from './browse';
import type { CartSnapshot, LineSnapshot, ProductSnapshot } from './types';

/**
 * What the relay asks of the merchant's platform. The browser sends only ids; everything an event
 * says about a product or cart comes from here, so the relay cannot be used to send made-up events.
 * The demo store implements it in lib/store/storefront.ts; a merchant plugs in their own. It sits
 * beside the snapshot types it is written in, exported from lib/klaviyo-next/events, so a store implements the
 * plugin's port from the plugin's public vocabulary instead of the relay's folder.
 */
export interface Storefront {
  /** The cookie that carries a signed-in shopper's session token. */
  readonly sessionCookie: string;
  /** A variant on sale, described for Viewed Product; nothing for an unknown or unpublished one. */
  product(variantId: string): Promise<ProductSnapshot | undefined>;
  /**
   * The cart as of change `revision` (its lines now, numbered as the browser knew it), with the line
   * that change added when it was an addition; nothing when the cart or revision does not exist.
   */
  cart(cartId: string, revision: number): Promise<{ cart: CartSnapshot; added?: LineSnapshot } | undefined>;
  /**
   * A collection the storefront shows, by the handle in its URL, for Viewed Collection; nothing for an
   * unknown or hidden one. Leave it out and the relay refuses Viewed Collection (a store without
   * collection pages).
   */
  collection?(handle: string): Promise<CollectionSnapshot | undefined>;
  /**
   * The store's own search for a term, for Submitted Search: the term as the store searches it (trimmed
   * the way its search page trims it) and the number of products it finds, counted here, never taken
   * from the browser. Leave it out and the relay refuses Submitted Search.
   */
  search?(term: string): Promise<SearchSnapshot>;
  /**
   * The email of the signed-in shopper a session token belongs to, only when the store has verified
   * it (an account the shopper proved the email of); nothing for a guest-checkout session, an unknown
   * or an expired token. This is the relay's only source of a profile identifier: a browser can type
   * any email or phone, and write any `__kla_id` cookie.
   */
  shopperEmail(sessionToken: string): Promise<string | undefined>;
  /**
   * Whether the shopper has granted tracking, read from the request's cookies the way the store's
   * consent banner records it. The relay sends nothing for a browser that has not said yes, whatever
   * its own script does.
   */
  trackingConsent(cookies: ReadonlyMap<string, string>): boolean;
}
