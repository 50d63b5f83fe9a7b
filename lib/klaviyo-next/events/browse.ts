import type { TrackEvent } from './event';
import type { ProfileIdentity } from './identity';
import { METRICS, type MetricName } from './metrics';
import { toMajor } from './money';
import type { CartSnapshot, LineSnapshot, ProductSnapshot } from './types';
import { uniqueId } from './unique-id';

/** A cart line in Klaviyo's recommended `Items` shape. */
export function itemOf(line: LineSnapshot) {
  return {
    ProductID: line.productId,
    VariantID: line.variantId,
    SKU: line.sku,
    ProductName: line.name,
    ...(line.variantName ? { VariantName: line.variantName } : {}),
    Quantity: line.quantity,
    ItemPrice: toMajor(line.priceCents),
    RowTotal: toMajor(line.priceCents * line.quantity),
    ProductURL: line.url,
    ...(line.imageUrl ? { ImageURL: line.imageUrl } : {}),
    ProductCategories: line.categories,
    ...(line.brand ? { Brand: line.brand } : {}),
  };
}

export const cartTotalCents = (lines: LineSnapshot[]) =>
  lines.reduce((sum, l) => sum + l.priceCents * l.quantity, 0);
const names = (lines: LineSnapshot[]) => [...new Set(lines.map((l) => l.name))];
const categories = (lines: LineSnapshot[]) => [...new Set(lines.flatMap((l) => l.categories))];

/** Viewed Product, once per product variant per page view (`viewId`). */
export function viewedProduct(
  product: ProductSnapshot,
  context: { profile: ProfileIdentity; viewId: string; at: string },
): TrackEvent {
  return {
    metric: METRICS.viewedProduct,
    uniqueId: uniqueId('viewed-product', product.variantId, context.viewId),
    time: context.at,
    profile: context.profile,
    properties: {
      ProductName: product.name,
      ProductID: product.productId,
      VariantID: product.variantId,
      SKU: product.sku,
      Categories: product.categories,
      ...(product.imageUrl ? { ImageURL: product.imageUrl } : {}),
      URL: product.url,
      ...(product.brand ? { Brand: product.brand } : {}),
      Price: toMajor(product.priceCents),
      ...(product.compareAtPriceCents ? { CompareAtPrice: toMajor(product.compareAtPriceCents) } : {}),
    },
  };
}

/**
 * A cart event for one cart revision: its value is the cart's total, and its unique_id is the metric's
 * prefix, the cart and the revision, so the browser's copy and the relay's are one event.
 */
function cartEvent(
  metric: MetricName,
  idPrefix: string,
  cart: CartSnapshot,
  context: { profile: ProfileIdentity; at: string },
  properties: Record<string, unknown>,
): TrackEvent {
  const value = toMajor(cartTotalCents(cart.lines));
  return {
    metric,
    uniqueId: uniqueId(idPrefix, cart.cartId, cart.revision),
    time: context.at,
    profile: context.profile,
    value,
    valueCurrency: cart.currency,
    properties: { $value: value, ...properties },
  };
}

/** Added to Cart for the change that made cart revision `cart.revision` (one id per change). */
export function addedToCart(
  cart: CartSnapshot,
  added: LineSnapshot,
  context: { profile: ProfileIdentity; at: string },
): TrackEvent {
  return cartEvent(METRICS.addedToCart, 'added-to-cart', cart, context, {
    AddedItemProductName: added.name,
    AddedItemProductID: added.productId,
    AddedItemVariantID: added.variantId,
    AddedItemSKU: added.sku,
    AddedItemCategories: added.categories,
    ...(added.imageUrl ? { AddedItemImageURL: added.imageUrl } : {}),
    AddedItemURL: added.url,
    AddedItemPrice: toMajor(added.priceCents),
    AddedItemQuantity: added.quantity,
    ItemNames: names(cart.lines),
    CheckoutURL: cart.rebuildUrl,
    Items: cart.lines.map(itemOf),
  });
}

/** Started Checkout for one cart revision; `CheckoutURL` rebuilds the cart for abandoned-cart emails. */
export function startedCheckout(
  cart: CartSnapshot,
  context: { profile: ProfileIdentity; at: string },
): TrackEvent {
  return cartEvent(METRICS.startedCheckout, 'started-checkout', cart, context, {
    ItemNames: names(cart.lines),
    CheckoutURL: cart.rebuildUrl,
    Categories: categories(cart.lines),
    Items: cart.lines.map(itemOf),
  });
}

/** A collection page (a category, or every product) as the store shows it, for Viewed Collection. */
export interface CollectionSnapshot {
  /** The store's id for the collection. */
  collectionId: string;
  /** Its handle in the page's URL (`/collections/<handle>`). */
  handle: string;
  name: string;
  url: string;
}

/** A search the store ran, for Submitted Search: the term as it searched it and what it found. */
export interface SearchSnapshot {
  term: string;
  /** How many products the store's search found, counted by the store. */
  resultCount: number;
  url: string;
}

/**
 * Viewed Collection, once per collection per page view (`viewId`). `CollectionID`, `CollectionHandle`
 * and `URL` are what Klaviyo's own storefront integration sends (docs/klaviyo-notes.md#ecommerce-events);
 * `CollectionName` is ours, for the words of a browse email.
 */
export function viewedCollection(
  collection: CollectionSnapshot,
  context: { profile: ProfileIdentity; viewId: string; at: string },
): TrackEvent {
  return {
    metric: METRICS.viewedCollection,
    uniqueId: uniqueId('viewed-collection', collection.collectionId, context.viewId),
    time: context.at,
    profile: context.profile,
    properties: {
      CollectionID: collection.collectionId,
      CollectionHandle: collection.handle,
      CollectionName: collection.name,
      URL: collection.url,
    },
  };
}

/**
 * Submitted Search, once per search page view (`viewId`): one page shows one search, so the view
 * names it and a long term never lengthens the id. `SearchTerm` and `URL` as Klaviyo's storefront
 * integration sends them (docs/klaviyo-notes.md#ecommerce-events); `ResultCount` is ours, so a flow
 * can follow up searches that found nothing.
 */
export function submittedSearch(
  search: SearchSnapshot,
  context: { profile: ProfileIdentity; viewId: string; at: string },
): TrackEvent {
  return {
    metric: METRICS.submittedSearch,
    uniqueId: uniqueId('submitted-search', context.viewId),
    time: context.at,
    profile: context.profile,
    properties: { SearchTerm: search.term, ResultCount: search.resultCount, URL: search.url },
  };
}
