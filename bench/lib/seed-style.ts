import type { Klaviyo } from '../../lib/klaviyo-next/api/index.js';
import { orderedProducts, placedOrder } from '../../lib/klaviyo-next/events/orders.js';
import type { OrderSnapshot } from '../../lib/klaviyo-next/events/types.js';

/**
 * What a checkout did before the plugin (the "seed-style" baseline): after writing the order, four
 * Klaviyo calls in a row, each awaited before the shopper gets an answer: upsert the profile, look its
 * id up, patch its properties, track Placed Order.
 */
export async function seedStyleKlaviyoCalls(klaviyo: Klaviyo, order: OrderSnapshot): Promise<void> {
  const email = order.customer.email as string;
  await klaviyo.profiles.upsert({ email, first_name: order.customer.firstName });
  const profile = await klaviyo.profiles.getByEmail(email);
  if (!profile) throw new Error(`profile ${email} not found right after its upsert`);
  await klaviyo.profiles.updateProperties(String(profile.id), { 'Last Order ID': order.orderId });
  const event = placedOrder(order, { email });
  await klaviyo.events.create({
    metric: event.metric,
    profile: event.profile,
    properties: event.properties,
    time: event.time,
    unique_id: event.uniqueId,
    value: event.value,
    value_currency: event.valueCurrency,
  });
}

/**
 * A whole order the seed's way, for the delivery bench's baseline: the four calls above, the three
 * Ordered Product events one create_event each, and, when the shopper ticked the box, one subscribe
 * call. Every call awaited in turn, as a checkout handler would make them.
 */
export async function seedStyleWholeOrder(
  klaviyo: Klaviyo,
  order: OrderSnapshot,
  consent: boolean,
): Promise<void> {
  await seedStyleKlaviyoCalls(klaviyo, order);
  const email = order.customer.email as string;
  for (const event of orderedProducts(order, { email }))
    await klaviyo.events.create({
      metric: event.metric,
      profile: event.profile,
      properties: event.properties,
      time: event.time,
      unique_id: event.uniqueId,
      value: event.value,
      value_currency: event.valueCurrency,
    });
  if (consent) await klaviyo.subscriptions.subscribe([{ email }], { customSource: 'Checkout' });
}
