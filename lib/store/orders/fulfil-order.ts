import 'server-only';
import sql from 'sql-template-tag';
import { trackingUrl } from '../../klaviyo-next/events/orders';
import { fieldErrorOf } from '../../klaviyo-next/http/field-error';
import { orderMessages } from '../../klaviyo-next/outbox/lifecycle';
import type { StoreDeps } from '../deps';
import { formInput } from '../form-input';
import { type ActionResult, StoreError } from '../result';
import { changeOrder, orderIdentity, pickLines, saveStatus } from './lifecycle';
import { fulfilInput } from './lifecycle-input';
import { orderSnapshot } from './snapshot';
import { unshippedQuantity } from './status';
import type { OrderStatus } from './types';

/**
 * Ships all or part of an order and records this shipment's event (its own unique id): Fulfilled
 * Partial Order, valued at what it carried, while some of the order is left to ship; Fulfilled Order
 * for the shipment that completes it. Both carry the carrier, tracking number and TrackingURL.
 * Quantities beyond what is left to ship are refused, by field.
 */
export async function fulfilOrder(
  deps: StoreDeps,
  input: unknown,
): Promise<ActionResult<{ fulfillmentId: string; status: OrderStatus }>> {
  const parsed = fulfilInput.safeParse(formInput(input));
  if (!parsed.success) return { ok: false, error: fieldErrorOf(parsed.error) };
  const form = parsed.data;
  return changeOrder(deps, form.orderId, async (tx, order, now) => {
    if (order.status === 'cancelled' || order.status === 'refunded') {
      throw new StoreError(`${order.id} is ${order.status}; there is nothing to ship.`, 'orderId');
    }
    const wanted =
      form.lines ??
      order.lines
        .filter((l) => unshippedQuantity(l) > 0)
        .map((l) => ({ lineId: l.lineId, quantity: unshippedQuantity(l) }));
    if (wanted.length === 0) throw new StoreError(`Everything on ${order.id} has shipped.`, 'lines');
    const picked = pickLines(order, wanted);
    for (const { line, quantity, index } of picked) {
      const left = unshippedQuantity(line);
      if (quantity > left)
        throw new StoreError(`Only ${left} of ${line.lineId} left to ship.`, `lines.${index}.quantity`);
    }
    const [{ n } = { n: 0 }] = await tx.query<{ n: number }>(
      sql`SELECT COUNT(*) AS n FROM store_fulfillments WHERE order_id = ${order.id}`,
    );
    if (form.seen !== undefined && Number(n) !== form.seen)
      throw new StoreError(
        `${order.id} has had another shipment since this form was shown; look at the order again.`,
        'seen',
      );
    const fulfillmentId = `${order.id}-F${Number(n) + 1}`;
    const url = trackingUrl(form.carrier, form.trackingNumber);
    await tx.query(
      sql`INSERT INTO store_fulfillments (id, order_id, carrier, tracking_number, tracking_url, lines, fulfilled_at) VALUES (${fulfillmentId}, ${order.id}, ${form.carrier ?? null}, ${form.trackingNumber ?? null}, ${url ?? null}, ${JSON.stringify(wanted)}, ${now})`,
    );
    for (const { line, quantity } of picked) {
      line.fulfilledQuantity += quantity;
      await tx.query(
        sql`UPDATE store_order_lines SET fulfilled_quantity = ${line.fulfilledQuantity} WHERE id = ${line.lineId}`,
      );
    }
    const status = await saveStatus(tx, order);
    const shipment = {
      fulfillmentId,
      fulfilledAt: new Date(now).toISOString(),
      ...(form.carrier ? { carrier: form.carrier } : {}),
      ...(form.trackingNumber ? { trackingNumber: form.trackingNumber } : {}),
      ...(url ? { trackingUrl: url } : {}),
      lines: wanted,
      completesOrder: status === 'fulfilled',
    };
    const messages = orderMessages.fulfilled(orderSnapshot(order), shipment, orderIdentity(order));
    return { data: { fulfillmentId, status }, messages };
  });
}
