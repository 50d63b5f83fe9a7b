import 'server-only';
import sql from 'sql-template-tag';
import { fieldErrorOf } from '../../klaviyo-next/http/field-error';
import { orderMessages } from '../../klaviyo-next/outbox/lifecycle';
import type { StoreDeps } from '../deps';
import { formInput } from '../form-input';
import { type ActionResult, StoreError } from '../result';
import { changeOrder, money, orderIdentity, pickLines, saveStatus } from './lifecycle';
import { refundInput } from './lifecycle-input';
import { orderSnapshot } from './snapshot';
import type { OrderStatus } from './types';

/**
 * Refunds part or all of an order. Each refund is its own Refunded Order (own unique id, valued at
 * the amount), so two partial refunds are two facts. The total refunded never exceeds what was paid:
 * checked here against the locked order, and by a CHECK constraint behind it.
 */
export async function refundOrder(
  deps: StoreDeps,
  input: unknown,
): Promise<ActionResult<{ refundId: string; amountCents: number; status: OrderStatus }>> {
  const parsed = refundInput.safeParse(formInput(input));
  if (!parsed.success) return { ok: false, error: fieldErrorOf(parsed.error) };
  const form = parsed.data;
  return changeOrder(deps, form.orderId, async (tx, order, now) => {
    if (order.status === 'cancelled')
      throw new StoreError(`${order.id} was cancelled before payment was taken.`, 'orderId');
    const refundable = order.totalCents - order.refundedCents;
    if (refundable <= 0) throw new StoreError(`${order.id} is already refunded in full.`, 'orderId');
    const picked = pickLines(order, form.lines ?? []);
    for (const { line, quantity, index } of picked) {
      const left = line.quantity - line.refundedQuantity;
      if (quantity > left)
        throw new StoreError(
          `Only ${left} of ${line.lineId} can still be refunded.`,
          `lines.${index}.quantity`,
        );
    }
    const amountCents =
      form.amountCents ?? picked.reduce((sum, p) => sum + p.line.priceCents * p.quantity, 0);
    if (amountCents > refundable) {
      const most = money(refundable, order.currency);
      throw new StoreError(`At most ${most} of ${order.id} can still be refunded.`, 'amountCents');
    }
    const [{ n } = { n: 0 }] = await tx.query<{ n: number }>(
      sql`SELECT COUNT(*) AS n FROM store_refunds WHERE order_id = ${order.id}`,
    );
    if (form.seen !== undefined && Number(n) !== form.seen)
      throw new StoreError(
        `${order.id} has had another refund since this form was shown; look at the order again.`,
        'seen',
      );
    const refundId = `${order.id}-R${Number(n) + 1}`;
    const lines = form.lines ?? [];
    await tx.query(
      sql`INSERT INTO store_refunds (id, order_id, amount_cents, reason, lines, refunded_at) VALUES (${refundId}, ${order.id}, ${amountCents}, ${form.reason ?? null}, ${JSON.stringify(lines)}, ${now})`,
    );
    for (const { line, quantity } of picked) {
      line.refundedQuantity += quantity;
      await tx.query(
        sql`UPDATE store_order_lines SET refunded_quantity = ${line.refundedQuantity} WHERE id = ${line.lineId}`,
      );
    }
    order.refundedCents += amountCents;
    const status = await saveStatus(tx, order);
    const refund = {
      refundId,
      refundedAt: new Date(now).toISOString(),
      amountCents,
      ...(form.reason ? { reason: form.reason } : {}),
      lines,
    };
    const messages = orderMessages.refunded(orderSnapshot(order), refund, orderIdentity(order));
    return { data: { refundId, amountCents, status }, messages };
  });
}
