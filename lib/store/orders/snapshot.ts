import type { OrderSnapshot } from '../../klaviyo-next/events/types';
import type { OrderRecord } from './types';

/** The order as the tracking builders read it. */
export function orderSnapshot(order: OrderRecord): OrderSnapshot {
  return {
    orderId: order.id,
    currency: order.currency,
    placedAt: new Date(order.placedAt).toISOString(),
    customer: order.customer,
    lines: order.lines.map(({ position: _p, fulfilledQuantity: _f, refundedQuantity: _r, ...line }) => line),
    discountCents: order.discountCents,
    shippingCents: order.shippingCents,
    taxCents: order.taxCents,
    totalCents: order.totalCents,
    billingAddress: order.billingAddress,
    shippingAddress: order.shippingAddress,
  };
}
