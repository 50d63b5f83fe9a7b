import 'server-only';
import sql from 'sql-template-tag';
import { fieldErrorOf } from '../../klaviyo-next/http/field-error';
import { orderMessages } from '../../klaviyo-next/outbox/lifecycle';
import type { StoreDeps } from '../deps';
import { formInput } from '../form-input';
import { type ActionResult, StoreError } from '../result';
import { changeOrder, orderIdentity } from './lifecycle';
import { shipmentInput } from './lifecycle-input';
import { type ShipmentStatus, shipmentSnapshot, shipmentsOf } from './shipments';
import { orderSnapshot } from './snapshot';

/** How far along a shipment is: an update never goes back, and each status is recorded once. */
const STEP: Record<ShipmentStatus, number> = { fulfilled: 0, confirmed: 1, delivered: 2 };

/**
 * Records a carrier's news about one shipment, Confirmed Shipment (it has the parcel) or Delivered
 * Shipment, in one transaction with its event. The order row is locked as for every change, so two
 * merchants pressing Delivered at once record it once. A delivered shipment is not confirmed after
 * the fact; delivering one never confirmed is allowed (some carriers report only the delivery).
 */
export async function updateShipment(
  deps: StoreDeps,
  input: unknown,
): Promise<ActionResult<{ fulfillmentId: string; status: ShipmentStatus }>> {
  const parsed = shipmentInput.safeParse(formInput(input));
  if (!parsed.success) return { ok: false, error: fieldErrorOf(parsed.error) };
  const form = parsed.data;
  return changeOrder(deps, form.orderId, async (tx, order, now) => {
    const shipment = (await shipmentsOf(tx, order.id)).find((s) => s.id === form.fulfillmentId);
    if (!shipment)
      throw new StoreError(`${form.fulfillmentId} is not a shipment of ${order.id}.`, 'fulfillmentId');
    if (STEP[shipment.status] >= STEP[form.status])
      throw new StoreError(`${shipment.id} is already ${shipment.status}.`, 'status');
    const column = form.status === 'confirmed' ? sql`confirmed_at` : sql`delivered_at`;
    await tx.query(
      sql`UPDATE store_fulfillments SET shipment_status = ${form.status}, ${column} = ${now} WHERE id = ${shipment.id}`,
    );
    const update = { status: form.status, at: new Date(now).toISOString() };
    const messages = orderMessages.shipment(
      orderSnapshot(order),
      shipmentSnapshot(shipment),
      update,
      orderIdentity(order),
    );
    return { data: { fulfillmentId: shipment.id, status: form.status }, messages };
  });
}
