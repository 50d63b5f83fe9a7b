'use client';

import { useEffect, useRef } from 'react';
import {
  newViewId,
  onsiteProperties,
  type ProductSnapshot,
  viewedItem,
  viewedProduct,
} from '@/lib/klaviyo-next/browser';
import { useOnsite } from './use-klaviyo';

/**
 * Viewed Product and trackViewedItem (docs/klaviyo-notes.md#ecommerce-events), once per product variant
 * shown. Render it on the product page with the variant on screen: a variant change is a new view, a
 * re-render is not. StrictMode runs effects twice on the same instance, and the ref survives that; a real
 * remount (a new visit to the page) is a new view. The relay gets the same view id, so its copy has the same
 * unique_id.
 */
export function TrackViewedProduct({ product }: { product: ProductSnapshot }) {
  const onsite = useOnsite();
  const tracked = useRef('');
  const view = `${product.productId}\n${product.variantId}`;
  useEffect(() => {
    if (tracked.current === view) return;
    tracked.current = view;
    const viewId = newViewId();
    const event = viewedProduct(product, { profile: {}, viewId, at: new Date().toISOString() });
    void onsite.track(event.metric, onsiteProperties(event));
    void onsite.trackViewedItem(viewedItem(product));
    void onsite.relay({ metric: event.metric, variantId: product.variantId, viewId });
  }, [view, product, onsite]);
  return null;
}
