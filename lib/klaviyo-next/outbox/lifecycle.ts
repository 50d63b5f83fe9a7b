import { type ConsentChange, consentChange } from '../events/consent';
import type { ProfileIdentity } from '../events/identity';
import {
  cancelledOrder,
  fulfilledOrder,
  orderedProducts,
  placedOrder,
  refundedOrder,
  shipmentUpdated,
} from '../events/orders';
import type { FulfillmentSnapshot, OrderSnapshot, RefundSnapshot, ShipmentUpdate } from '../events/types';
import {
  consentMessage,
  eventMessage,
  type OutboxMessage,
  type ProfileUpdate,
  profileMessage,
} from './types';

/**
 * The order lifecycle as outbox messages, for a host to enqueue inside its own transaction: each
 * builder is pure and deterministic (an event's unique_id comes from the order, line, fulfilment or
 * refund id), so enqueueing the same fact twice is a no-op and Klaviyo dedups a resend.
 */
export const orderMessages = {
  /** Placed Order, and one Ordered Product per line (Klaviyo's recommended e-commerce events). */
  placed: (order: OrderSnapshot, profile: ProfileIdentity): OutboxMessage[] => [
    eventMessage(placedOrder(order, profile)),
    ...orderedProducts(order, profile).map(eventMessage),
  ],
  /**
   * One shipment: Fulfilled Order when it leaves nothing to ship, else Fulfilled Partial Order with
   * the lines and quantities it carried; both with Carrier, TrackingNumber and TrackingURL.
   */
  fulfilled: (
    order: OrderSnapshot,
    fulfillment: FulfillmentSnapshot,
    profile: ProfileIdentity,
  ): OutboxMessage[] => [eventMessage(fulfilledOrder(order, fulfillment, profile))],
  /** Confirmed Shipment or Delivered Shipment: the carrier's news about one shipment. */
  shipment: (
    order: OrderSnapshot,
    fulfillment: FulfillmentSnapshot,
    update: ShipmentUpdate,
    profile: ProfileIdentity,
  ): OutboxMessage[] => [eventMessage(shipmentUpdated(order, fulfillment, update, profile))],
  /** Cancelled Order, valued at the (positive) order total it cancels. */
  cancelled: (
    order: OrderSnapshot,
    cancellation: { at: string; reason?: string },
    profile: ProfileIdentity,
  ): OutboxMessage[] => [eventMessage(cancelledOrder(order, cancellation, profile))],
  /** Refunded Order for one refund: the whole order, or the lines and amount it returned. */
  refunded: (order: OrderSnapshot, refund: RefundSnapshot, profile: ProfileIdentity): OutboxMessage[] => [
    eventMessage(refundedOrder(order, refund, profile)),
  ],
};

/**
 * A profile write (names, location, custom properties). `key` names the fact (e.g. `order:1042`):
 * the same key enqueued twice is one write.
 */
export const profileUpdated = (key: string, update: ProfileUpdate): OutboxMessage[] => [
  profileMessage(key, update),
];

/** A consent given or withdrawn, with the exact text shown; its id is derived from its content. */
export const consentChanged = (change: Omit<ConsentChange, 'id'>): OutboxMessage[] => [
  consentMessage(consentChange(change)),
];
