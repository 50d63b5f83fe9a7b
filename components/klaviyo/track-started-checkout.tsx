'use client';

import { useEffect, useRef } from 'react';
import type { CartSnapshot } from '@/lib/tracking/types';
import { useCartTracking } from './use-cart-tracking';

/** Started Checkout once per cart revision shown on the checkout page (StrictMode-safe, see TrackViewedProduct). */
export function TrackStartedCheckout({ cart }: { cart: CartSnapshot }) {
  const { startedCheckout } = useCartTracking();
  const tracked = useRef('');
  const key = `${cart.cartId}:${cart.revision}`;
  useEffect(() => {
    if (tracked.current === key || cart.lines.length === 0) return;
    tracked.current = key;
    startedCheckout(cart);
  }, [key, cart, startedCheckout]);
  return null;
}
