'use server';

import { app } from '@/lib/app';
import { backOfficeDenied } from '@/lib/store/back-office-access';
import { cancelOrder as cancel } from '@/lib/store/orders/cancel-order';
import { fulfilOrder as fulfil } from '@/lib/store/orders/fulfil-order';
import { refundOrder as refund } from '@/lib/store/orders/refund-order';
import { updateShipment as shipment } from '@/lib/store/orders/update-shipment';

/*
 * The store's fulfilment, run from the admin's order pages (they were the demo's back office under
 * app/(store)/back-office, with no page). Each action changes the order and records its Klaviyo
 * event in one transaction (lib/store/orders/*), and runs only for a signed-in merchant (the admin's
 * next-auth session), in every environment: server actions are public POST endpoints, so the
 * session is checked here, first, before the input is even read.
 */

/**
 * Ships all of an order, or `lines: [{ lineId, quantity }]` of it, with `carrier` and
 * `trackingNumber`; records Fulfilled Partial Order, or Fulfilled Order for the shipment that
 * completes the order.
 */
export async function fulfilOrder(input: unknown) {
  return (await backOfficeDenied()) ?? fulfil(app.store, input);
}

/** Records a carrier's news about one shipment (`status`: confirmed or delivered) and its event. */
export async function updateShipment(input: unknown) {
  return (await backOfficeDenied()) ?? shipment(app.store, input);
}

/** Cancels an order nothing of which has shipped or been refunded; records Cancelled Order. */
export async function cancelOrder(input: unknown) {
  return (await backOfficeDenied()) ?? cancel(app.store, input);
}

/** Refunds `amountCents` and/or `lines` of an order, never more than was paid; records Refunded Order. */
export async function refundOrder(input: unknown) {
  return (await backOfficeDenied()) ?? refund(app.store, input);
}
