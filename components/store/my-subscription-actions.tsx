'use client';

import { useRouter } from 'next/navigation';
import { useState, useTransition } from 'react';
import type { ActionResult } from '@/lib/klaviyo-next/http/action-result';

type Act = (input: unknown) => Promise<ActionResult<unknown>>;

/** A shopper's buttons for one of her subscriptions: pause or resume, and cancel. */
export function MySubscriptionActions({
  subscriptionId,
  status,
  actions,
}: {
  subscriptionId: string;
  status: 'active' | 'paused' | 'cancelled';
  actions: { pause: Act; resume: Act; cancel: Act };
}) {
  const router = useRouter();
  const [pending, start] = useTransition();
  const [error, setError] = useState<string>();
  const run = (act: Act) =>
    start(async () => {
      setError(undefined);
      const result = await act({ subscriptionId });
      if (!result.ok) setError(result.error.message);
      router.refresh();
    });
  if (status === 'cancelled') return null;
  return (
    <span>
      {status === 'active' ? (
        <button type="button" className="link-button" disabled={pending} onClick={() => run(actions.pause)}>
          Pause
        </button>
      ) : (
        <button type="button" className="link-button" disabled={pending} onClick={() => run(actions.resume)}>
          Resume
        </button>
      )}{' '}
      <button type="button" className="link-button" disabled={pending} onClick={() => run(actions.cancel)}>
        Cancel
      </button>
      {error ? (
        <span role="alert" className="field__error">
          {error}
        </span>
      ) : null}
    </span>
  );
}
