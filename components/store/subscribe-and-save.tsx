'use client';

import Link from 'next/link';
import { useState, useTransition } from 'react';
import type { ActionResult } from '@/lib/klaviyo-next/http/action-result';

export interface PlanChoice {
  id: string;
  name: string;
  discountPercent: number;
}

export interface SubscribeAndSaveProps {
  productSlug: string;
  plans: PlanChoice[];
  variants: { id: string; option: string; priceCents: number }[];
  signedIn: boolean;
  subscribe: (input: unknown) => Promise<ActionResult<{ subscriptionId: string }>>;
}

const money = (cents: number) =>
  new Intl.NumberFormat('en-US', { style: 'currency', currency: 'USD' }).format(cents / 100);

/**
 * Subscribe and save on a product page: a plan, an option and a quantity. Only a signed-in shopper
 * subscribes (a standing order is hers to pause or cancel later); anyone else is offered sign-in.
 */
export function SubscribeAndSave({
  productSlug,
  plans,
  variants,
  signedIn,
  subscribe,
}: SubscribeAndSaveProps) {
  const [pending, start] = useTransition();
  const [answer, setAnswer] = useState<{ ok: boolean; text: string }>();
  const first = plans[0];
  if (!first) return null;
  if (!signedIn) {
    return (
      <section className="checkout-section" aria-labelledby="subscribe-title">
        <h2 id="subscribe-title" className="checkout-section__title">
          Subscribe and save up to {Math.max(...plans.map((p) => p.discountPercent))}%
        </h2>
        <p>
          <Link href={`/account/sign-in?next=${encodeURIComponent(`/products/${productSlug}`)}`}>
            Sign in
          </Link>{' '}
          to have this sent again on a schedule.
        </p>
      </section>
    );
  }
  return (
    <section className="checkout-section" aria-labelledby="subscribe-title">
      <h2 id="subscribe-title" className="checkout-section__title">
        Subscribe and save
      </h2>
      <form
        className="form-stack"
        onSubmit={(e) => {
          e.preventDefault();
          const form = new FormData(e.currentTarget);
          start(async () => {
            const result = await subscribe(form);
            setAnswer(
              result.ok
                ? {
                    ok: true,
                    text: `Subscribed: ${result.data.subscriptionId}. The first delivery goes with the next billing run.`,
                  }
                : { ok: false, text: result.error.message },
            );
          });
        }}
      >
        <label>
          Plan
          <select name="planId" className="input" defaultValue={first.id}>
            {plans.map((p) => (
              <option key={p.id} value={p.id}>
                {p.name} (save {p.discountPercent}%)
              </option>
            ))}
          </select>
        </label>
        <label>
          Option
          <select name="variantId" className="input">
            {variants.map((v) => (
              <option key={v.id} value={v.id}>
                {v.option} ({money(v.priceCents)})
              </option>
            ))}
          </select>
        </label>
        <label>
          Quantity
          <input name="quantity" type="number" min={1} max={10} defaultValue={1} className="input" />
        </label>
        <button type="submit" className="button button--secondary" disabled={pending}>
          Subscribe
        </button>
        {answer ? (
          <p role={answer.ok ? 'status' : 'alert'} className={answer.ok ? undefined : 'form-alert'}>
            {answer.text}
          </p>
        ) : null}
        {answer?.ok ? <Link href="/account/subscriptions">Manage your subscriptions</Link> : null}
      </form>
    </section>
  );
}
