import type { OrderLine, OrderRecord, OrderStatus } from './types';

/** Units of a line still to ship: bought, less shipped, less refunded before shipping. */
export const unshippedQuantity = (line: OrderLine) =>
  Math.max(0, line.quantity - line.fulfilledQuantity - line.refundedQuantity);

/**
 * One status from the order's money and shipments. Refunds outrank shipping (a merchant looks at a
 * partially refunded order first for the money), and a cancelled order stays cancelled.
 */
export function deriveStatus(
  order: Pick<OrderRecord, 'status' | 'totalCents' | 'refundedCents' | 'lines'>,
): OrderStatus {
  if (order.status === 'cancelled') return 'cancelled';
  if (order.refundedCents > 0)
    return order.refundedCents >= order.totalCents ? 'refunded' : 'partially_refunded';
  const shippedAny = order.lines.some((l) => l.fulfilledQuantity > 0);
  if (!shippedAny) return 'placed';
  return order.lines.every((l) => unshippedQuantity(l) === 0) ? 'fulfilled' : 'partially_fulfilled';
}

/** What a shopper reads for each status, on their account and on the order's page. */
export const STATUS_LABELS: Record<OrderStatus, string> = {
  placed: 'Confirmed',
  fulfilled: 'Shipped',
  partially_fulfilled: 'Partly shipped',
  cancelled: 'Cancelled',
  refunded: 'Refunded',
  partially_refunded: 'Partly refunded',
};
