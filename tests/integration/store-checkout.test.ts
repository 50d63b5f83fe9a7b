import { expect, it } from 'vitest';
import type { ConsentChange } from '../../lib/klaviyo-next/events/consent.js';
import type { TrackEvent } from '../../lib/klaviyo-next/events/event.js';
import type { ProfileUpdate } from '../../lib/klaviyo-next/outbox/types.js';
import { loadCart } from '../../lib/store/cart.js';
import { CONSENT_DISCLOSURES } from '../../lib/store/consent-disclosures.js';
import { stockOf } from '../../lib/store/inventory.js';
import { placeOrder } from '../../lib/store/orders/place-order.js';
import { findOrder } from '../../lib/store/orders/records.js';
import {
  cartWith,
  checkoutForm,
  countRows,
  LIST_ID,
  onBothDatabases,
  outboxMessages,
  STORE_URL,
  testStoreDeps,
} from '../support/store-fixtures.js';

const TEE = 'organic-cotton-tee-m'; // $32
const CHINO = 'relaxed-chino-32'; // $88

onBothDatabases('checkout', (db) => {
  it('writes the order and exactly its messages in one go, then schedules delivery once', async () => {
    const d = testStoreDeps(db());
    const cartId = await cartWith(d, [
      [TEE, 2],
      [CHINO, 1],
    ]);
    const teeStock = await stockOf(d.db, TEE);
    const before = await countRows(d.db, 'klaviyo_outbox');
    const result = await placeOrder(d, checkoutForm(cartId, { email: ' First.Timer@Example.COM ' }));
    if (!result.ok) throw new Error(result.error.message);
    const { orderId } = result.data;
    expect(result.data).toMatchObject({
      status: 'placed',
      currency: 'USD',
      totalCents: 15_200,
      alreadyPlaced: false,
    });
    expect(orderId).toMatch(/^NW-1\d{5}$/);
    expect(d.deliveries.scheduled).toBe(1);

    const order = await findOrder(d.db, orderId, STORE_URL);
    expect(order).toMatchObject({
      status: 'placed',
      customer: {
        email: 'first.timer@example.com',
        phone: '+14155550132',
        firstName: 'Ada',
        lastName: 'Lovelace',
      },
      subtotalCents: 15_200,
      shippingCents: 0, // free from $100
      totalCents: 15_200,
      shippingAddress: { city: 'San Francisco', country: 'US', firstName: 'Ada' },
    });
    expect(order?.lines.map((l) => [l.lineId, l.variantId, l.priceCents, l.quantity])).toEqual([
      [`${orderId}-1`, TEE, 3200, 2],
      [`${orderId}-2`, CHINO, 8800, 1],
    ]);
    expect(await stockOf(d.db, TEE)).toBe(teeStock - 2);
    expect(await loadCart(d.db, cartId)).toMatchObject({ status: 'ordered', orderId });

    const messages = (await outboxMessages(d.db)).slice(before);
    expect(messages.map((m) => (m.kind === 'event' ? m.payload.metric : m.kind))).toEqual([
      'Placed Order',
      'Ordered Product',
      'Ordered Product',
      'profile',
      'consent',
      'consent',
    ]);
    const events = messages.flatMap((m) => (m.kind === 'event' ? [m.payload as TrackEvent] : []));
    expect(new Set(events.map((e) => e.uniqueId)).size).toBe(3);
    expect(events[0]).toMatchObject({
      uniqueId: `placed-order:${orderId}`,
      value: 152,
      // By the email only: a typed phone beside a typed email would land on her profile.
      profile: { email: 'first.timer@example.com', first_name: 'Ada' },
      properties: { OrderId: orderId, ItemNames: ['Organic Cotton Tee', 'Relaxed Chino'] },
    });
    expect(events.every((e) => e.profile.phone_number === undefined)).toBe(true);
    expect(events[1]?.properties).toMatchObject({
      ProductID: 'organic-cotton-tee',
      VariantID: TEE,
      ItemPrice: 32,
      RowTotal: 64,
    });
    const profile = messages[3]?.payload as ProfileUpdate;
    expect(profile.properties).toEqual({ 'NW Lifetime Orders': 1, 'NW Last Order ID': orderId });
    expect(profile.location).toMatchObject({ city: 'San Francisco', zip: '94107', country: 'US' });
    const [email, sms] = messages.slice(4).map((m) => m.payload as ConsentChange);
    expect(email).toMatchObject({
      channel: 'email',
      listId: LIST_ID,
      source: 'Checkout',
      disclosure: CONSENT_DISCLOSURES.email,
    });
    expect(email?.consentedAt).toBe(events[0]?.time);
    expect(sms).toMatchObject({
      channel: 'sms',
      profile: { phone_number: '+14155550132' },
      disclosure: CONSENT_DISCLOSURES.sms,
    });
  });

  it('counts lifetime orders per email', async () => {
    const d = testStoreDeps(db());
    const email = `repeat-${Math.random()}@example.com`;
    for (const expected of [1, 2]) {
      const result = await placeOrder(
        d,
        checkoutForm(await cartWith(d, [[TEE, 1]]), { email, marketing: {} }),
      );
      if (!result.ok) throw new Error(result.error.message);
      const profile = (await outboxMessages(d.db)).find(
        (m) => m.key === `profile:order:${result.data.orderId}`,
      );
      expect((profile?.payload as ProfileUpdate | undefined)?.properties?.['NW Lifetime Orders']).toBe(
        expected,
      );
    }
  });

  it('drops a bad phone with a logged reason, places the order and skips only the SMS consent', async () => {
    const d = testStoreDeps(db());
    const result = await placeOrder(d, checkoutForm(await cartWith(d, [[TEE, 1]]), { phone: '12' }));
    if (!result.ok) throw new Error(result.error.message);
    expect(d.logs.map((l) => l.event)).toEqual([
      'checkout.identifier_dropped',
      'checkout.sms_consent_skipped',
    ]);
    expect(d.logs[0]?.fields).toMatchObject({
      field: 'phone_number',
      reason: '<redacted> is not a valid phone number',
    });
    const kinds = (await outboxMessages(d.db)).filter(
      (m) => m.key.includes(result.data.orderId) || m.kind === 'consent',
    );
    expect(
      kinds.filter((m) => m.kind === 'consent').map((m) => (m.payload as ConsentChange).profile.email),
    ).toContain('ada.lovelace@example.com');
    expect((await findOrder(d.db, result.data.orderId, STORE_URL))?.customer.phone).toBeUndefined();
  });

  it('answers a double submit with the same order and writes nothing more', async () => {
    const d = testStoreDeps(db());
    const cartId = await cartWith(d, [[TEE, 1]]);
    const first = await placeOrder(d, checkoutForm(cartId));
    const before = await countRows(d.db, 'klaviyo_outbox');
    const again = await placeOrder(d, checkoutForm(cartId));
    expect(again).toMatchObject({
      ok: true,
      data: { alreadyPlaced: true, orderId: first.ok && first.data.orderId },
    });
    // No new order access either: a cart id travels in abandoned-cart links, so it grants nothing.
    expect(again.ok && again.data.orderAccess).toBeFalsy();
    expect(await countRows(d.db, 'klaviyo_outbox')).toBe(before);
    expect(d.deliveries.scheduled).toBe(1);
  });

  it('takes the checkout form as FormData', async () => {
    const d = testStoreDeps(db());
    const form = new FormData();
    const fields: Record<string, string> = {
      cartId: await cartWith(d, [[TEE, 1]]),
      email: 'grace@example.com',
      phone: '',
      firstName: 'Grace',
      lastName: 'Hopper',
      'shippingAddress.address1': '1 Navy Yard',
      'shippingAddress.city': 'Arlington',
      'shippingAddress.zip': '22202',
      'shippingAddress.country': 'us',
      'marketing.email': CONSENT_DISCLOSURES.email.version,
      $ACTION_ID_abc: '',
    };
    for (const [k, v] of Object.entries(fields)) form.append(k, v);
    const result = await placeOrder(d, form);
    expect(result).toMatchObject({ ok: true, data: { totalCents: 4000 } }); // $32 + $8 shipping
  });
});

onBothDatabases('checkout from a browsing session', (db) => {
  it('carries the browser’s Klaviyo exchange id on the order events, so earlier browsing joins the profile', async () => {
    const d = testStoreDeps(db());
    const cartId = await cartWith(d, [[TEE, 1]]);
    const browser = async () => ({ exchangeId: 'tok123.DEMO01' });
    const result = await placeOrder(d, checkoutForm(cartId, { email: 'browser@example.com' }), browser);
    if (!result.ok) throw new Error(result.error.message);
    const events = (await outboxMessages(d.db))
      .filter((m) => m.kind === 'event')
      .map((m) => m.payload as TrackEvent);
    const placed = events.find((e) => e.uniqueId === `placed-order:${result.data.orderId}`);
    expect(placed?.profile).toMatchObject({ email: 'browser@example.com', _kx: 'tok123.DEMO01' });
  });
});
