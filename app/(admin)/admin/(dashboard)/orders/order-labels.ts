import type { Tone } from '@/components/klaviyo-admin/ui/layout';
import type { ShipmentStatus } from '@/lib/store/orders/shipments';
import type { OrderStatus } from '@/lib/store/orders/types';

/** How the admin names an order's status, and the colour it is shown in. */
export const ORDER_STATUS: Record<OrderStatus, { label: string; tone: Tone }> = {
  placed: { label: 'Unfulfilled', tone: 'amber' },
  partially_fulfilled: { label: 'Partly fulfilled', tone: 'blue' },
  fulfilled: { label: 'Fulfilled', tone: 'green' },
  partially_refunded: { label: 'Partly refunded', tone: 'blue' },
  refunded: { label: 'Refunded', tone: 'gray' },
  cancelled: { label: 'Cancelled', tone: 'red' },
};

export const SHIPMENT_STATUS: Record<ShipmentStatus, { label: string; tone: Tone }> = {
  fulfilled: { label: 'Handed to carrier', tone: 'amber' },
  confirmed: { label: 'Confirmed by carrier', tone: 'blue' },
  delivered: { label: 'Delivered', tone: 'green' },
};

export const money = (cents: number, currency: string) =>
  new Intl.NumberFormat('en-US', { style: 'currency', currency }).format(cents / 100);

export const when = (ms: number) =>
  new Intl.DateTimeFormat('en-US', { dateStyle: 'medium', timeStyle: 'short', timeZone: 'UTC' }).format(ms) +
  ' UTC';
