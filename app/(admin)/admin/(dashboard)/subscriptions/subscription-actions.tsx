'use client';

import { useRouter } from 'next/navigation';
import { useState, useTransition } from 'react';
import ui from '@/components/klaviyo-admin/ui.module.css';
import type { ActionResult } from '@/lib/klaviyo-next/http/action-result';

type Act = (input: unknown) => Promise<ActionResult<unknown>>;

export interface SubscriptionActionsProps {
  subscriptionId: string;
  status: 'active' | 'paused' | 'cancelled';
  nextChargeNumber: number;
  actions: { pause: Act; resume: Act; cancel: Act; charge: Act };
}

/** One row's buttons: each calls its server action, shows a refusal, and re-reads the page. */
export function SubscriptionActions({
  subscriptionId,
  status,
  nextChargeNumber,
  actions,
}: SubscriptionActionsProps) {
  const router = useRouter();
  const [pending, start] = useTransition();
  const [error, setError] = useState<string>();
  const run = (act: Act, input: Record<string, unknown>) =>
    start(async () => {
      setError(undefined);
      const result = await act({ subscriptionId, ...input });
      if (!result.ok) setError(result.error.message);
      router.refresh();
    });
  const button = (label: string, onClick: () => void, danger = false) => (
    <button
      type="button"
      className={`${ui.button} ${ui.small} ${danger ? ui.danger : ''}`}
      disabled={pending}
      onClick={onClick}
      data-testid={`${label.toLowerCase().replace(/\s+/g, '-')}-${subscriptionId}`}
    >
      {label}
    </button>
  );
  if (status === 'cancelled') return <span className={ui.muted}>—</span>;
  return (
    <div style={{ display: 'flex', gap: 6, flexWrap: 'wrap' }}>
      {status === 'active' &&
        button('Charge now', () => run(actions.charge, { chargeNumber: nextChargeNumber }))}
      {status === 'active' && button('Pause', () => run(actions.pause, {}))}
      {status === 'paused' && button('Resume', () => run(actions.resume, {}))}
      {button('Cancel', () => run(actions.cancel, {}), true)}
      {error && (
        <span role="alert" className={ui.fieldError}>
          {error}
        </span>
      )}
    </div>
  );
}
