'use client';

import ui from '@/components/klaviyo-admin/ui.module.css';
import type { ActionResult } from '@/lib/klaviyo-next/http/action-result';
import type { ShipmentStatus } from '@/lib/store/orders/shipments';
import { ActionErrorText } from './action-error';
import { useOrderAction } from './use-order-action';

type ShipmentInput = { orderId: string; fulfillmentId: string; status: 'confirmed' | 'delivered' };

/** The carrier's news about one shipment: Confirm (it has the parcel), Delivered. */
export function ShipmentButtons({
  orderId,
  fulfillmentId,
  status,
  updateShipment,
}: {
  orderId: string;
  fulfillmentId: string;
  status: ShipmentStatus;
  updateShipment: (input: ShipmentInput) => Promise<ActionResult<unknown>>;
}) {
  const { run, error, pending } = useOrderAction(updateShipment);
  if (status === 'delivered') return null;
  return (
    <div>
      <div className={ui.form}>
        {status === 'fulfilled' && (
          <button
            type="button"
            className={`${ui.button} ${ui['small-button']}`}
            disabled={pending}
            onClick={() => run({ orderId, fulfillmentId, status: 'confirmed' })}
          >
            Confirm shipment
          </button>
        )}
        <button
          type="button"
          className={`${ui.button} ${ui['small-button']}`}
          disabled={pending}
          onClick={() => run({ orderId, fulfillmentId, status: 'delivered' })}
        >
          Mark delivered
        </button>
      </div>
      <ActionErrorText error={error} testId="shipment-error" />
    </div>
  );
}
