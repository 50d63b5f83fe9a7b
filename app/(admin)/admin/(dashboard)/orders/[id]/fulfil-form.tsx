'use client';

import { useState } from 'react';
import ui from '@/components/klaviyo-admin/ui.module.css';
import type { ActionResult } from '@/lib/klaviyo-next/http/action-result';
import { ActionErrorText } from './action-error';
import { useOrderAction } from './use-order-action';

export interface ShippableLine {
  lineId: string;
  name: string;
  left: number;
}

type FulfilInput = {
  orderId: string;
  seen: number;
  lines: { lineId: string; quantity: number }[];
  carrier?: string;
  trackingNumber?: string;
};

/** Ships what the merchant counts out (all that is left, to start with) with its carrier and tracking number. */
export function FulfilForm({
  orderId,
  seen,
  lines,
  carriers,
  fulfilOrder,
}: {
  orderId: string;
  /** Shipments the order had when the page was drawn: a replay or a stale tab is refused. */
  seen: number;
  lines: ShippableLine[];
  carriers: string[];
  fulfilOrder: (input: FulfilInput) => Promise<ActionResult<unknown>>;
}) {
  const all = () => Object.fromEntries(lines.map((l) => [l.lineId, String(l.left)]));
  const [quantities, setQuantities] = useState<Record<string, string>>(all);
  const [carrier, setCarrier] = useState(carriers[0] ?? '');
  const [trackingNumber, setTrackingNumber] = useState('');
  const { run, error, pending } = useOrderAction(fulfilOrder);
  return (
    <form
      data-testid="fulfil-form"
      onSubmit={(e) => {
        e.preventDefault();
        run(
          {
            orderId,
            seen,
            lines: lines
              .map((l) => ({ lineId: l.lineId, quantity: Number(quantities[l.lineId] || 0) }))
              .filter((l) => l.quantity !== 0),
            ...(carrier ? { carrier } : {}),
            ...(trackingNumber.trim() ? { trackingNumber: trackingNumber.trim() } : {}),
          },
          () => setTrackingNumber(''),
        );
      }}
    >
      <table className={ui.table}>
        <thead>
          <tr>
            <th>Item</th>
            <th className={ui.num}>Left to ship</th>
            <th className={ui.num}>Ship now</th>
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
                  name={`ship-${l.lineId}`}
                  aria-label={`Ship now: ${l.name}`}
                  value={quantities[l.lineId] ?? ''}
                  onChange={(e) => setQuantities({ ...quantities, [l.lineId]: e.target.value })}
                  style={{ width: 80 }}
                />
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      <div className={ui.form} style={{ marginTop: 12 }}>
        <select
          className={ui.select}
          name="carrier"
          aria-label="Carrier"
          value={carrier}
          onChange={(e) => setCarrier(e.target.value)}
        >
          {carriers.map((c) => (
            <option key={c} value={c}>
              {c}
            </option>
          ))}
          <option value="">No tracking</option>
        </select>
        <input
          className={ui.input}
          name="trackingNumber"
          aria-label="Tracking number"
          placeholder="Tracking number"
          value={trackingNumber}
          onChange={(e) => setTrackingNumber(e.target.value)}
          maxLength={40}
        />
        <button type="submit" className={`${ui.button} ${ui.primary}`} disabled={pending}>
          Fulfil
        </button>
      </div>
      <ActionErrorText error={error} testId="fulfil-error" />
    </form>
  );
}
