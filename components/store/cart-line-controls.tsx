'use client';

import { useRouter } from 'next/navigation';
import { useState, useTransition } from 'react';
import type { ActionResult } from '@/lib/klaviyo-next/http/action-result';

type CartAction = (input: { variantId: string; quantity?: number }) => Promise<ActionResult<unknown>>;

/**
 * A cart line's quantity stepper and remove button. Each change is a server action (prices and stock
 * are the server's), then the page re-renders with the new totals.
 */
export function CartLineControls({
  variantId,
  title,
  quantity,
  max,
  updateLine,
  removeLine,
}: {
  variantId: string;
  title: string;
  quantity: number;
  max: number;
  updateLine: CartAction;
  removeLine: CartAction;
}) {
  const router = useRouter();
  const [pending, startTransition] = useTransition();
  const [error, setError] = useState<string>();

  const run = (change: () => ReturnType<CartAction>) =>
    startTransition(async () => {
      const result = await change();
      setError(result.ok ? undefined : result.error.message.replace(/^[\w.]+: /, ''));
      router.refresh();
    });

  return (
    <div className="line-controls" aria-busy={pending}>
      <fieldset className="stepper">
        <legend className="visually-hidden">Quantity of {title}</legend>
        <button
          type="button"
          onClick={() => run(() => updateLine({ variantId, quantity: quantity - 1 }))}
          disabled={pending}
          aria-label={quantity === 1 ? `Remove ${title}` : `One fewer ${title}`}
        >
          −
        </button>
        <output aria-live="polite">{quantity}</output>
        <button
          type="button"
          onClick={() => run(() => updateLine({ variantId, quantity: quantity + 1 }))}
          disabled={pending || quantity >= max}
          aria-label={`One more ${title}`}
        >
          +
        </button>
      </fieldset>
      <button
        type="button"
        className="link-button"
        onClick={() => run(() => removeLine({ variantId }))}
        disabled={pending}
      >
        Remove
      </button>
      {error ? (
        <p className="field__error" role="alert">
          {error}
        </p>
      ) : null}
    </div>
  );
}
