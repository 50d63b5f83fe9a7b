'use client';

import { useState } from 'react';
import ui from '@/components/klaviyo-admin/ui.module.css';
import type { ActionResult } from '@/lib/klaviyo-next/http/action-result';
import { ActionErrorText } from './action-error';
import { useOrderAction } from './use-order-action';

export interface RefundableLine {
  lineId: string;
  name: string;
  left: number;
}

type RefundInput = {
  orderId: string;
  seen: number;
  amountCents?: number;
  lines?: { lineId: string; quantity: number }[];
  reason?: string;
};

/** Dollars as typed ("12.50") to cents; what is not a number is passed on for the action to refuse. */
const toCents = (typed: string): number | undefined => {
  const t = typed.trim();
  if (!t) return undefined;
  const n = Number(t);
  return Number.isFinite(n) ? Math.round(n * 100) : Number.NaN;
};

/** Refunds items (their price), an amount, or both; what is left to refund is shown beside it. */
export function RefundForm({
  orderId,
  seen,
  lines,
  refundable,
  refundOrder,
}: {
  orderId: string;
  /** Refunds the order had when the page was drawn: a replay or a stale tab is refused. */
  seen: number;
  lines: RefundableLine[];
  refundable: string;
  refundOrder: (input: RefundInput) => Promise<ActionResult<unknown>>;
}) {
  const [quantities, setQuantities] = useState<Record<string, string>>({});
  const [amount, setAmount] = useState('');
  const [reason, setReason] = useState('');
  const { run, error, pending } = useOrderAction(refundOrder);
  return (
    <form
      data-testid="refund-form"
      onSubmit={(e) => {
        e.preventDefault();
        const picked = lines
          .map((l) => ({ lineId: l.lineId, quantity: Number(quantities[l.lineId] || 0) }))
          .filter((l) => l.quantity !== 0);
        const amountCents = toCents(amount);
        run(
          {
            orderId,
            seen,
            ...(amountCents !== undefined ? { amountCents } : {}),
            ...(picked.length ? { lines: picked } : {}),
            ...(reason.trim() ? { reason: reason.trim() } : {}),
          },
          () => {
            setQuantities({});
            setAmount('');
            setReason('');
          },
        );
      }}
    >
      <p className={`${ui.muted} ${ui.small}`}>Up to {refundable} can still be refunded.</p>
      {lines.length > 0 && (
        <table className={ui.table}>
          <thead>
            <tr>
              <th>Item</th>
              <th className={ui.num}>Refundable</th>
              <th className={ui.num}>Refund</th>
            </tr>
          </thead>
          <tbody>
            {lines.map((l) => (
              <tr key={l.lineId}>
                <td>{l.name}</td>
                <td className={ui.num}>{l.left}</td>
                <td className={ui.num}>
                  <input
                    className={ui.input}
                    type="number"
                    min={0}
                    name={`refund-${l.lineId}`}
                    aria-label={`Refund: ${l.name}`}
                    value={quantities[l.lineId] ?? ''}
                    placeholder="0"
                    onChange={(e) => setQuantities({ ...quantities, [l.lineId]: e.target.value })}
                    style={{ width: 80 }}
                  />
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      <div className={ui.form} style={{ marginTop: 12 }}>
        <input
          className={ui.input}
          name="amount"
          aria-label="Refund amount"
          placeholder="Amount (blank: the items' price)"
          inputMode="decimal"
          value={amount}
          onChange={(e) => setAmount(e.target.value)}
          style={{ width: 240 }}
        />
        <input
          className={ui.input}
          name="reason"
          aria-label="Refund reason"
          placeholder="Reason (optional)"
          value={reason}
          onChange={(e) => setReason(e.target.value)}
          maxLength={200}
        />
        <button type="submit" className={`${ui.button} ${ui.primary}`} disabled={pending}>
          Refund
        </button>
      </div>
      <ActionErrorText error={error} testId="refund-error" />
    </form>
  );
}
