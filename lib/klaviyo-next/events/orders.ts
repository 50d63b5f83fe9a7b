import { cartTotalCents, itemOf } from './browse';
import type { TrackEvent } from './event';
import type { ProfileIdentity } from './identity';
import { METRICS } from './metrics';
import { toMajor } from './money';
import type { Address, FulfillmentSnapshot, LineSnapshot, OrderSnapshot, RefundSnapshot } from './types';
import { uniqueId } from './unique-id';

function address(a: Address | undefined) {
  if (!a) return undefined;
  return {
    FirstName: a.firstName,
    LastName: a.lastName,
    Address1: a.address1,
    Address2: a.address2,
    City: a.city,
    Region: a.region,
    Zip: a.zip,
    CountryCode: a.country,
    Phone: a.phone,
  };
}

function linesFor(order: OrderSnapshot, picked: { lineId: string; quantity: number }[]): LineSnapshot[] {
  return picked.flatMap(({ lineId, quantity }) => {
    const line = order.lines.find((l) => l.lineId === lineId);
    return line ? [{ ...line, quantity }] : [];
  });
}

const base = (order: OrderSnapshot) => ({
  OrderId: order.orderId,
  Categories: [...new Set(order.lines.flatMap((l) => l.categories))],
  ItemNames: [...new Set(order.lines.map((l) => l.name))],
  Brands: [...new Set(order.lines.flatMap((l) => (l.brand ? [l.brand] : [])))],
});

/** Placed Order: the order as a whole, valued at its total. */
export function placedOrder(order: OrderSnapshot, profile: ProfileIdentity): TrackEvent {
  return {
    metric: METRICS.placedOrder,
    uniqueId: uniqueId('placed-order', order.orderId),
    time: order.placedAt,
    profile,
    value: toMajor(order.totalCents),
    valueCurrency: order.currency,
    properties: {
      ...base(order),
      ...(order.discountCode ? { DiscountCode: order.discountCode } : {}),
      DiscountValue: toMajor(order.discountCents),
      Shipping: toMajor(order.shippingCents),
      Tax: toMajor(order.taxCents),
      Items: order.lines.map(itemOf),
      BillingAddress: address(order.billingAddress),
      ShippingAddress: address(order.shippingAddress),
    },
  };
}

/** One Ordered Product per order line, valued at the line's total, each with its own id. */
export function orderedProducts(order: OrderSnapshot, profile: ProfileIdentity): TrackEvent[] {
  return order.lines.map((line) => ({
    metric: METRICS.orderedProduct,
    uniqueId: uniqueId('ordered-product', order.orderId, line.lineId),
    time: order.placedAt,
    profile,
    value: toMajor(line.priceCents * line.quantity),
    valueCurrency: order.currency,
    properties: { OrderId: order.orderId, ...itemOf(line) },
  }));
}

/** Fulfilled Order per shipment; a partial shipment is valued at what it carried. */
export function fulfilledOrder(
  order: OrderSnapshot,
  fulfillment: FulfillmentSnapshot,
  profile: ProfileIdentity,
): TrackEvent {
  const lines = linesFor(order, fulfillment.lines);
  // One shipment with everything is valued at the order total; otherwise at what it carried.
  const shippedAll = order.lines.every((l) =>
    lines.some((s) => s.lineId === l.lineId && s.quantity >= l.quantity),
  );
  const completes = fulfillment.completesOrder ?? shippedAll;

  return {
    metric: METRICS.fulfilledOrder,
    uniqueId: uniqueId('fulfilled-order', order.orderId, fulfillment.fulfillmentId),
    time: fulfillment.fulfilledAt,
    profile,
    value: toMajor(shippedAll ? order.totalCents : cartTotalCents(lines)),
    valueCurrency: order.currency,
    properties: {
      ...base(order),
      FulfillmentId: fulfillment.fulfillmentId,
      IsPartial: !completes,
      ...(fulfillment.carrier ? { Carrier: fulfillment.carrier } : {}),
      ...(fulfillment.trackingNumber ? { TrackingNumber: fulfillment.trackingNumber } : {}),
      Items: lines.map(itemOf),
    },
  };
}

/** Cancelled Order, valued negatively so revenue reports net it out. */
export function cancelledOrder(
  order: OrderSnapshot,
  cancellation: { at: string; reason?: string },
  profile: ProfileIdentity,
): TrackEvent {
  return {
    metric: METRICS.cancelledOrder,
    uniqueId: uniqueId('cancelled-order', order.orderId),
    time: cancellation.at,
    profile,
    value: -toMajor(order.totalCents),
    valueCurrency: order.currency,
    properties: {
      ...base(order),
      ...(cancellation.reason ? { Reason: cancellation.reason } : {}),
      Items: order.lines.map(itemOf),
    },
  };
}

/**
 * Refunded Order per refund, valued at the amount refunded; several partial refunds of one order are
 * several facts, each with its own id, carrying the order id for linking.
 */
export function refundedOrder(
  order: OrderSnapshot,
  refund: RefundSnapshot,
  profile: ProfileIdentity,
): TrackEvent {
  return {
    metric: METRICS.refundedOrder,
    uniqueId: uniqueId('refunded-order', order.orderId, refund.refundId),
    time: refund.refundedAt,
    profile,
    value: toMajor(refund.amountCents),
    valueCurrency: order.currency,
    properties: {
      ...base(order),
      RefundId: refund.refundId,
      IsPartial: refund.amountCents < order.totalCents,
      ...(refund.reason ? { Reason: refund.reason } : {}),
      Items: linesFor(order, refund.lines).map(itemOf),
    },
  };
}
