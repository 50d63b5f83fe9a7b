import { cartTotalCents, itemOf } from './browse';
import type { TrackEvent } from './event';
import type { ProfileIdentity } from './identity';
import { FULFILMENT_METRICS, METRICS } from './metrics';
import { toMajor } from './money';
import type {
  Address,
  FulfillmentSnapshot,
  LineSnapshot,
  OrderSnapshot,
  RefundSnapshot,
  ShipmentUpdate,
} from './types';
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

/**
 * Carriers whose public tracking page takes the tracking number in its address. The key is what a
 * merchant types or picks (any case); a carrier not listed gets no TrackingURL unless the host gives
 * one (FulfillmentSnapshot.trackingUrl).
 */
export const CARRIER_TRACKING_PAGES: Readonly<Record<string, { name: string; url: (n: string) => string }>> =
  {
    ups: { name: 'UPS', url: (n) => `https://www.ups.com/track?tracknum=${n}` },
    usps: { name: 'USPS', url: (n) => `https://tools.usps.com/go/TrackConfirmAction?tLabels=${n}` },
    fedex: { name: 'FedEx', url: (n) => `https://www.fedex.com/fedextrack/?trknbr=${n}` },
    dhl: { name: 'DHL', url: (n) => `https://www.dhl.com/global-en/home/tracking.html?tracking-id=${n}` },
  };

/** The carrier's tracking page for this number, or undefined for a carrier without a known page. */
export function trackingUrl(carrier: string | undefined, trackingNumber: string | undefined) {
  if (!carrier || !trackingNumber) return undefined;
  const page = CARRIER_TRACKING_PAGES[carrier.trim().toLowerCase()];
  return page?.url(encodeURIComponent(trackingNumber.trim()));
}

/** Carrier, tracking number and tracking page of a shipment, as its events carry them. */
function shipmentProperties(fulfillment: FulfillmentSnapshot) {
  const url = fulfillment.trackingUrl ?? trackingUrl(fulfillment.carrier, fulfillment.trackingNumber);
  return {
    FulfillmentId: fulfillment.fulfillmentId,
    ...(fulfillment.carrier ? { Carrier: fulfillment.carrier } : {}),
    ...(fulfillment.trackingNumber ? { TrackingNumber: fulfillment.trackingNumber } : {}),
    ...(url ? { TrackingURL: url } : {}),
  };
}

/**
 * One shipment. The shipment that leaves nothing more to ship is Fulfilled Order, valued at the
 * order total as Klaviyo's Shopify integration values it (the order is now fulfilled, however many
 * parcels it took); a shipment that leaves some of the order to ship is Fulfilled Partial Order,
 * valued at what it carried. Each has its own unique_id (order and fulfilment id), so a resend of
 * the same shipment is one event and two shipments are two.
 */
export function fulfilledOrder(
  order: OrderSnapshot,
  fulfillment: FulfillmentSnapshot,
  profile: ProfileIdentity,
): TrackEvent {
  const lines = linesFor(order, fulfillment.lines);
  const shippedAll = order.lines.every((l) =>
    lines.some((s) => s.lineId === l.lineId && s.quantity >= l.quantity),
  );
  const completes = fulfillment.completesOrder ?? shippedAll;
  return {
    metric: completes ? METRICS.fulfilledOrder : FULFILMENT_METRICS.fulfilledPartialOrder,
    uniqueId: uniqueId('fulfilled-order', order.orderId, fulfillment.fulfillmentId),
    time: fulfillment.fulfilledAt,
    profile,
    value: toMajor(completes ? order.totalCents : cartTotalCents(lines)),
    valueCurrency: order.currency,
    properties: {
      ...base(order),
      ...shipmentProperties(fulfillment),
      IsPartial: !completes,
      Items: lines.map(itemOf),
    },
  };
}

/**
 * Confirmed Shipment (the carrier has the parcel) or Delivered Shipment, once per shipment and
 * status (unique_id from order, fulfilment and status), valued at what the shipment carries.
 */
export function shipmentUpdated(
  order: OrderSnapshot,
  fulfillment: FulfillmentSnapshot,
  update: ShipmentUpdate,
  profile: ProfileIdentity,
): TrackEvent {
  const lines = linesFor(order, fulfillment.lines);
  const confirmed = update.status === 'confirmed';
  return {
    metric: confirmed ? FULFILMENT_METRICS.confirmedShipment : FULFILMENT_METRICS.deliveredShipment,
    uniqueId: uniqueId(
      confirmed ? 'confirmed-shipment' : 'delivered-shipment',
      order.orderId,
      fulfillment.fulfillmentId,
    ),
    time: update.at,
    profile,
    value: toMajor(cartTotalCents(lines)),
    valueCurrency: order.currency,
    properties: { ...base(order), ...shipmentProperties(fulfillment), Items: lines.map(itemOf) },
  };
}

/*
 * Cancelled Order and Refunded Order share one convention, Klaviyo's Shopify integration's: the
 * value is the positive amount the event is about (what was cancelled, what was refunded), never a
 * negative number. Klaviyo sums each metric on its own, so "Refunded Order value" reads as money
 * returned and Klaviyo's revenue reports stay gross of both; a negative value would make the same
 * metric's sum differ in sign between this store and a Shopify one in the same account.
 */

/** Cancelled Order, valued at what was cancelled: the order total (only an untouched order is cancelled). */
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
    value: toMajor(order.totalCents),
    valueCurrency: order.currency,
    properties: {
      ...base(order),
      ...(cancellation.reason ? { Reason: cancellation.reason } : {}),
      Items: order.lines.map(itemOf),
    },
  };
}

/**
 * Refunded Order per refund, valued at the amount refunded (positive, as Cancelled Order); several
 * partial refunds of one order are several facts, each with its own id, carrying the order id for
 * linking.
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
