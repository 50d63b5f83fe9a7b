import type { Address, LineSnapshot } from '../../klaviyo-next/events/types';

export type OrderStatus =
  | 'placed'
  | 'fulfilled'
  | 'partially_fulfilled'
  | 'cancelled'
  | 'refunded'
  | 'partially_refunded';

export interface OrderLine extends LineSnapshot {
  position: number;
  fulfilledQuantity: number;
  refundedQuantity: number;
}

/** An order as stored: the customer and prices are a snapshot of checkout time, never re-read. */
export interface OrderRecord {
  id: string;
  cartId?: string;
  customerId: string;
  status: OrderStatus;
  currency: string;
  customer: { email: string; phone?: string; firstName: string; lastName: string };
  shippingAddress: Address;
  billingAddress: Address;
  subtotalCents: number;
  shippingCents: number;
  taxCents: number;
  discountCents: number;
  totalCents: number;
  refundedCents: number;
  placedAt: number;
  /** When the customer was erased (lib/store/erasure.ts): the order keeps its lines and amounts, no person. */
  erasedAt?: number;
  lines: OrderLine[];
}

/** Quantities of order lines, as fulfilments and refunds name them. */
export type LineQuantities = { lineId: string; quantity: number }[];
