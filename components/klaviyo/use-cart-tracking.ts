'use client';

import { useMemo } from 'react';
import {
  addedToCart,
  type CartSnapshot,
  type LineSnapshot,
  onsiteProperties,
  startedCheckout,
  type TrackEvent,
} from '@/lib/klaviyo-next/browser';
import { type OnsiteApi, useOnsite } from './use-klaviyo';

/** Sends a builder's event through klaviyo.js and its ids to the relay: one unique_id, recorded once. */
function send(onsite: OnsiteApi, event: TrackEvent, cart: CartSnapshot): void {
  void onsite.track(event.metric, onsiteProperties(event));
  void onsite.relay({ metric: event.metric, cartId: cart.cartId, revision: cart.revision });
}

const context = () => ({ profile: {}, at: new Date().toISOString() });

/**
 * Added to Cart and Started Checkout from the shared builders (lib/klaviyo-next/events/browse.ts), so the browser's
 * event and the relay's server copy carry the same unique_id (per cart revision) and Klaviyo keeps one.
 * Call `addedToCart` with the cart as of the change the cart action returned.
 */
export function useCartTracking() {
  const onsite = useOnsite();
  return useMemo(
    () => ({
      addedToCart: (cart: CartSnapshot, added: LineSnapshot) =>
        send(onsite, addedToCart(cart, added, context()), cart),
      startedCheckout: (cart: CartSnapshot) => send(onsite, startedCheckout(cart, context()), cart),
    }),
    [onsite],
  );
}
