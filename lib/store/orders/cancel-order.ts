import 'server-only';
import sql from 'sql-template-tag';
import { fieldErrorOf } from '../../klaviyo-next/http/field-error';
import { orderMessages } from '../../klaviyo-next/outbox/lifecycle';
import type { StoreDeps } from '../deps';
import { formInput } from '../form-input';
import { returnStockForLines } from '../inventory';
import { markStockChanged } from '../products/messages';
import { type ActionResult, StoreError } from '../result';
import { changeOrder, orderIdentity } from './lifecycle';
import { cancelInput } from './lifecycle-input';
import { orderSnapshot } from './snapshot';

/**
 * Cancels an order nothing of which has shipped or been refunded, puts its stock back and records
 * Cancelled Order (valued negatively, so Klaviyo's revenue nets it out). A shipped or refunded order
 * is refunded instead; cancelling twice is refused, so the event is recorded once.
 */
export async function cancelOrder(
  deps: StoreDeps,
  input: unknown,
): Promise<ActionResult<{ status: 'cancelled' }>> {
  const parsed = cancelInput.safeParse(formInput(input));
  if (!parsed.success) return { ok: false, error: fieldErrorOf(parsed.error) };
  const form = parsed.data;
  return changeOrder(deps, form.orderId, async (tx, order, now) => {
    if (order.status === 'cancelled') throw new StoreError(`${order.id} is already cancelled.`, 'orderId');
    if (order.status !== 'placed') {
      throw new StoreError(
        `${order.id} is ${order.status.replace('_', ' ')}; refund it instead of cancelling.`,
        'orderId',
      );
    }
    await returnStockForLines(tx, order.lines, now);
    // The stock put back, for Klaviyo's catalogue (a variant back above 0 notifies those waiting).
    await markStockChanged(deps.catalog, tx, order.lines);
    await tx.query(
      sql`UPDATE store_orders SET status = 'cancelled', cancelled_at = ${now}, cancel_reason = ${form.reason ?? null} WHERE id = ${order.id}`,
    );
    const cancellation = { at: new Date(now).toISOString(), ...(form.reason ? { reason: form.reason } : {}) };
    const messages = orderMessages.cancelled(orderSnapshot(order), cancellation, orderIdentity(order));
    return { data: { status: 'cancelled' as const }, messages };
  });
}
