import 'server-only';
import sql from 'sql-template-tag';
import type { FulfillmentSnapshot } from '../../klaviyo-next/events/types';
import type { SqlExecutor } from '../../klaviyo-next/sql/types';
import type { LineQuantities } from './types';

/** Where a shipment is: handed to the carrier (fulfilled), taken by it (confirmed), or delivered. */
export type ShipmentStatus = 'fulfilled' | 'confirmed' | 'delivered';

/** One shipment of an order, as stored (store_fulfillments, migration 240 for its status). */
export interface ShipmentRecord {
  id: string;
  orderId: string;
  carrier?: string;
  trackingNumber?: string;
  trackingUrl?: string;
  lines: LineQuantities;
  status: ShipmentStatus;
  fulfilledAt: number;
  confirmedAt?: number;
  deliveredAt?: number;
}

export interface ShipmentRow {
  id: string;
  order_id: string;
  carrier: string | null;
  tracking_number: string | null;
  tracking_url: string | null;
  lines: string;
  shipment_status: ShipmentStatus;
  fulfilled_at: number;
  confirmed_at: number | null;
  delivered_at: number | null;
}

export const toShipment = (r: ShipmentRow): ShipmentRecord => ({
  id: r.id,
  orderId: r.order_id,
  ...(r.carrier ? { carrier: r.carrier } : {}),
  ...(r.tracking_number ? { trackingNumber: r.tracking_number } : {}),
  ...(r.tracking_url ? { trackingUrl: r.tracking_url } : {}),
  lines: JSON.parse(r.lines) as LineQuantities,
  status: r.shipment_status,
  fulfilledAt: Number(r.fulfilled_at),
  ...(r.confirmed_at !== null ? { confirmedAt: Number(r.confirmed_at) } : {}),
  ...(r.delivered_at !== null ? { deliveredAt: Number(r.delivered_at) } : {}),
});

/** The order's shipments, first first. */
export async function shipmentsOf(q: SqlExecutor, orderId: string): Promise<ShipmentRecord[]> {
  const rows = await q.query<ShipmentRow>(
    sql`SELECT * FROM store_fulfillments WHERE order_id = ${orderId} ORDER BY fulfilled_at, id`,
  );
  return rows.map(toShipment);
}

/** A shipment as its events describe it. */
export const shipmentSnapshot = (s: ShipmentRecord): FulfillmentSnapshot => ({
  fulfillmentId: s.id,
  fulfilledAt: new Date(s.fulfilledAt).toISOString(),
  ...(s.carrier ? { carrier: s.carrier } : {}),
  ...(s.trackingNumber ? { trackingNumber: s.trackingNumber } : {}),
  ...(s.trackingUrl ? { trackingUrl: s.trackingUrl } : {}),
  lines: s.lines,
});
