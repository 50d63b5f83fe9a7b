import type { TrackEvent } from '../events/event';
import { toMajor } from '../events/money';
import type { ProductSnapshot } from '../events/types';
import type { Properties } from './types';

/**
 * A builder's event (lib/klaviyo-next/events) as klaviyo.track() takes it. klaviyo.js hoists `$event_id` to
 * `unique_id` and `$value` to `value` (docs/klaviyo-notes.md#ecommerce-events), so the browser's event
 * carries the same unique_id as its server copy and Klaviyo records it once. No `time`: Klaviyo stamps the
 * browser's copy on receipt, and duplicates are recognised by unique_id, not time.
 */
export function onsiteProperties(event: TrackEvent): Properties {
  return {
    ...event.properties,
    $event_id: event.uniqueId,
    ...(event.value === undefined ? {} : { $value: event.value }),
  };
}

/**
 * The `trackViewedItem` item for Klaviyo's "Recently Viewed Items" feed
 * (docs/klaviyo-notes.md#ecommerce-events).
 */
export function viewedItem(product: ProductSnapshot): Properties {
  return {
    Title: product.name,
    ItemId: product.productId,
    Categories: product.categories,
    ...(product.imageUrl ? { ImageUrl: product.imageUrl } : {}),
    Url: product.url,
    Metadata: {
      ...(product.brand ? { Brand: product.brand } : {}),
      Price: toMajor(product.priceCents),
      ...(product.compareAtPriceCents ? { CompareAtPrice: toMajor(product.compareAtPriceCents) } : {}),
    },
  };
}

/**
 * A page view's id, shared by the browser's Viewed Product and the relay's copy (lib/klaviyo-next/relay/track.ts
 * accepts `[A-Za-z0-9_-]{8,64}`). getRandomValues, unlike randomUUID, also works on plain-http hosts.
 */
export function newViewId(): string {
  return Array.from(crypto.getRandomValues(new Uint8Array(12)), (b) => b.toString(16).padStart(2, '0')).join(
    '',
  );
}
