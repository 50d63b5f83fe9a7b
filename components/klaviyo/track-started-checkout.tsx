'use client';

import { useEffect, useRef } from 'react';
import type { CartSnapshot } from '@/lib/klaviyo-next/browser';
import { useCartTracking } from './use-cart-tracking';
import { useOnsite } from './use-klaviyo';

/**
 * Started Checkout once per cart revision shown on the checkout page (StrictMode-safe, see
 * TrackViewedProduct). Klaviyo keeps it only for an identified browser
 * (docs/klaviyo-notes.md#ecommerce-events), and a guest is identified only once they type their email: pass
 * `email` when they have, and it is identified first and Started Checkout sent again, so abandoned-checkout
 * flows reach guests too. The repeat has the same unique_id, so a browser identified before keeps one.
 */
export function TrackStartedCheckout({ cart, email }: { cart: CartSnapshot; email?: string }) {
  const onsite = useOnsite();
  const { startedCheckout } = useCartTracking();
  const tracked = useRef('');
  const key = `${cart.cartId}:${cart.revision}:${email ?? ''}`;
  useEffect(() => {
    if (tracked.current === key || cart.lines.length === 0) return;
    tracked.current = key;
    if (email) void onsite.identify({ email });
    startedCheckout(cart);
  }, [key, cart, email, onsite, startedCheckout]);
  return null;
}
