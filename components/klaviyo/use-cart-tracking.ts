'use client';

import { useMemo } from 'react';
import { addedToCart, startedCheckout } from '@/lib/klaviyo-next/events/browse';
import type { TrackEvent } from '@/lib/klaviyo-next/events/event';
import type { CartSnapshot, LineSnapshot } from '@/lib/klaviyo-next/events/types';
import { onsiteProperties } from '@/lib/klaviyo-next/onsite/events';
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
