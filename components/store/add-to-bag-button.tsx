'use client';

import Link from 'next/link';
import { useRouter } from 'next/navigation';
import { useState, useTransition } from 'react';
import { useCartTracking } from '@/components/klaviyo';
import type { CartSnapshot, LineSnapshot } from '@/lib/klaviyo-next/events/types';
import type { ActionResult } from '@/lib/klaviyo-next/http/action-result';
import { CheckIcon } from './icons';

export type AddToBagAction = (input: {
  variantId: string;
  quantity: number;
}) => Promise<ActionResult<{ tracking?: { cart: CartSnapshot; added: LineSnapshot } }>>;

/**
 * Adds the chosen variant, then tracks Added to Cart with the cart as of that change (klaviyo.js and
 * the relay both key it `added-to-cart:<cartId>:<revision>`), and refreshes the page's server parts
 * (the header's bag count). Tracking is fire-and-forget: the shopper never waits for Klaviyo.
 */
export function AddToBagButton({
  variantId,
  label,
  addToBag,
}: {
  variantId: string;
  label: string;
  addToBag: AddToBagAction;
}) {
  const router = useRouter();
  const { addedToCart } = useCartTracking();
  const [pending, startTransition] = useTransition();
  const [outcome, setOutcome] = useState<{ variantId: string; error?: string; count?: number }>();

  const add = () =>
    startTransition(async () => {
      const result = await addToBag({ variantId, quantity: 1 });
      if (!result.ok) {
        setOutcome({ variantId, error: result.error.message.replace(/^[\w.]+: /, '') });
        return;
      }
      const tracking = result.data.tracking;
      if (tracking) addedToCart(tracking.cart, tracking.added);
      setOutcome({ variantId, count: tracking?.cart.lines.reduce((n, l) => n + l.quantity, 0) });
      router.refresh();
    });

  // A message about another variant than the one now chosen would mislead.
  const shown = outcome?.variantId === variantId ? outcome : undefined;
  return (
    <div className="add-to-bag">
      <button
        type="button"
        className="button button--primary button--wide"
        onClick={add}
        disabled={pending}
        aria-disabled={pending}
        aria-describedby="add-to-bag-status"
      >
        {pending ? 'Adding…' : label}
      </button>
      <div id="add-to-bag-status" role="status" className="add-to-bag__status">
        {shown?.error ? <p className="form-alert form-alert--inline">{shown.error}</p> : null}
        {shown && !shown.error ? (
          <p className="added">
            <CheckIcon /> Added to your bag.{' '}
            <Link href="/cart">View bag{shown.count ? ` (${shown.count})` : ''}</Link>
          </p>
        ) : null}
      </div>
    </div>
  );
}
