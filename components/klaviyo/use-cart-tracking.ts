'use client';

import { useMemo } from 'react';
import { onsiteProperties } from '@/lib/klaviyo-onsite/events';
import { addedToCart, startedCheckout } from '@/lib/tracking/browse';
import type { TrackEvent } from '@/lib/tracking/event';
import type { CartSnapshot, LineSnapshot } from '@/lib/tracking/types';
import { type OnsiteApi, useOnsite } from './use-klaviyo';

/** Sends a builder's event through klaviyo.js and its ids to the relay: one unique_id, recorded once. */
function send(onsite: OnsiteApi, event: TrackEvent, cart: CartSnapshot): void {
  void onsite.track(event.metric, onsiteProperties(event));
  void onsite.relay({ metric: event.metric, cartId: cart.cartId, revision: cart.revision });
}

const context = () => ({ profile: {}, at: new Date().toISOString() });

/**
 * Added to Cart and Started Checkout from the shared builders (lib/tracking/browse.ts), so the browser's
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
