'use client';

import { useState } from 'react';
import ui from '@/components/klaviyo-admin/ui.module.css';
import type { ActionResult } from '@/lib/klaviyo-next/http/action-result';
import { ActionErrorText } from './action-error';
import { useOrderAction } from './use-order-action';

type CancelInput = { orderId: string; reason?: string };

/** Cancels an order nothing of which has shipped or been refunded; its stock goes back. */
export function CancelForm({
  orderId,
  cancelOrder,
}: {
  orderId: string;
  cancelOrder: (input: CancelInput) => Promise<ActionResult<unknown>>;
}) {
  const [reason, setReason] = useState('');
  const { run, error, pending } = useOrderAction(cancelOrder);
  return (
    <form
      data-testid="cancel-form"
      onSubmit={(e) => {
        e.preventDefault();
        run({ orderId, ...(reason.trim() ? { reason: reason.trim() } : {}) });
      }}
    >
      <div className={ui.form}>
        <input
          className={ui.input}
          name="cancelReason"
          aria-label="Cancel reason"
          placeholder="Reason (optional)"
          value={reason}
          onChange={(e) => setReason(e.target.value)}
          maxLength={200}
        />
        <button type="submit" className={`${ui.button} ${ui.danger}`} disabled={pending}>
          Cancel order
        </button>
      </div>
      <ActionErrorText error={error} testId="cancel-error" />
    </form>
  );
}
