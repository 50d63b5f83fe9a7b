import { describe, expect, it } from 'vitest';
import {
  addedToCart,
  buildIdentity,
  cancelledOrder,
  consentChange,
  exchangeIdFromCookie,
  fulfilledOrder,
  orderedProducts,
  placedOrder,
  refundedOrder,
  startedCheckout,
  toE164,
  viewedProduct,
} from '../../lib/klaviyo-next/events/index.js';
import type { CartSnapshot, LineSnapshot, OrderSnapshot } from '../../lib/klaviyo-next/events/types.js';

const line = (lineId: string, variantId: string, priceCents: number, quantity: number): LineSnapshot => ({
  lineId,
  productId: `p-${variantId}`,
  variantId,
  sku: `SKU-${variantId}`,
  name: `Product ${variantId}`,
  categories: ['Tops', variantId === 'a' ? 'Sale' : 'New'],
  url: `https://shop.test/products/${variantId}`,
  priceCents,
  quantity,
});

const order: OrderSnapshot = {
  orderId: 'ORD-1001',
  currency: 'USD',
  placedAt: '2026-07-15T12:00:00Z',
  customer: { email: 'Ada@Example.com' },
  lines: [line('l1', 'a', 1999, 2), line('l2', 'b', 4500, 1)],
  discountCode: 'WELCOME10',
  discountCents: 850,
  shippingCents: 500,
  taxCents: 0,
  totalCents: 1999 * 2 + 4500 - 850 + 500,
};
const profile = { email: 'ada@example.com' };

describe('identity', () => {
  it('normalises email and phone, keeps external and exchange ids', () => {
    const { identity, dropped } = buildIdentity({
      email: ' Ada@Example.COM ',
      phone: '(415) 555-0132',
      externalId: 'cust-9',
      exchangeId: 'ex.DEMO01',
    });
    expect(identity).toEqual({
      email: 'ada@example.com',
      phone_number: '+14155550132',
      external_id: 'cust-9',
      _kx: 'ex.DEMO01',
    });
    expect(dropped).toEqual([]);
  });

  it('drops a bad phone with a reason instead of failing the event', () => {
    const { identity, dropped } = buildIdentity({ email: 'a@b.co', phone: '12' });
    expect(identity).toEqual({ email: 'a@b.co' });
    expect(dropped).toEqual([{ field: 'phone_number', reason: "'12' is not a valid phone number" }]);
    expect(toE164('+44 20 7946 0958')).toBe('+442079460958');
  });

  it('reads the exchange id from the __kla_id cookie, and nothing from a malformed one', () => {
    const cookie = btoa(JSON.stringify({ cid: 'abc', $exchange_id: 'xyz.DEMO01' }));
    expect(exchangeIdFromCookie(cookie)).toBe('xyz.DEMO01');
    expect(exchangeIdFromCookie(btoa(JSON.stringify({ cid: 'abc' })))).toBeUndefined();
    expect(exchangeIdFromCookie('%%%not-base64')).toBeUndefined();
  });
});

describe('order events', () => {
  it('Placed Order carries items, names, categories and the total in major units', () => {
    const event = placedOrder(order, profile);
    expect(event).toMatchObject({
      metric: 'Placed Order',
      uniqueId: 'placed-order:ORD-1001',
      value: 81.48,
      valueCurrency: 'USD',
    });
    expect(event.properties).toMatchObject({
      OrderId: 'ORD-1001',
      ItemNames: ['Product a', 'Product b'],
      Categories: ['Tops', 'Sale', 'New'],
      DiscountCode: 'WELCOME10',
      DiscountValue: 8.5,
    });
    expect(event.properties.Items).toHaveLength(2);
  });

  it('one Ordered Product per line, each with its own stable id and row value', () => {
    const events = orderedProducts(order, profile);
    expect(events.map((e) => [e.uniqueId, e.value])).toEqual([
      ['ordered-product:ORD-1001:l1', 39.98],
      ['ordered-product:ORD-1001:l2', 45],
    ]);
    expect(orderedProducts(order, profile)).toEqual(events);
  });

  it('partial fulfilment and partial refunds are separate facts', () => {
    const shipped = fulfilledOrder(
      order,
      { fulfillmentId: 'f1', fulfilledAt: '2026-07-16T00:00:00Z', lines: [{ lineId: 'l2', quantity: 1 }] },
      profile,
    );
    expect(shipped).toMatchObject({
      metric: 'Fulfilled Partial Order',
      uniqueId: 'fulfilled-order:ORD-1001:f1',
      value: 45,
      properties: { IsPartial: true },
    });
    const r1 = refundedOrder(
      order,
      {
        refundId: 'r1',
        refundedAt: '2026-07-20T00:00:00Z',
        amountCents: 1999,
        lines: [{ lineId: 'l1', quantity: 1 }],
      },
      profile,
    );
    const r2 = refundedOrder(
      order,
      {
        refundId: 'r2',
        refundedAt: '2026-07-21T00:00:00Z',
        amountCents: 1999,
        lines: [{ lineId: 'l1', quantity: 1 }],
      },
      profile,
    );
    expect([r1.uniqueId, r2.uniqueId]).toEqual(['refunded-order:ORD-1001:r1', 'refunded-order:ORD-1001:r2']);
    expect(r1).toMatchObject({ value: 19.99, properties: { IsPartial: true, OrderId: 'ORD-1001' } });
  });

  it('Cancelled Order is valued at what it cancelled, positive like Refunded Order', () => {
    expect(cancelledOrder(order, { at: '2026-07-15T13:00:00Z' }, profile).value).toBe(81.48);
  });
});

describe('browse events', () => {
  const cart: CartSnapshot = {
    cartId: 'c1',
    revision: 3,
    currency: 'USD',
    lines: [line('l1', 'a', 1999, 2)],
    rebuildUrl: 'https://shop.test/cart/rebuild?t=abc',
  };

  it('Added to Cart and Started Checkout are keyed by cart and revision, so browser and server agree', () => {
    const added = addedToCart(cart, line('l1', 'a', 1999, 1), { profile, at: '2026-07-15T10:00:00Z' });
    expect(added).toMatchObject({
      uniqueId: 'added-to-cart:c1:3',
      value: 39.98,
      properties: { AddedItemQuantity: 1, CheckoutURL: cart.rebuildUrl },
    });
    expect(startedCheckout(cart, { profile, at: '2026-07-15T10:01:00Z' }).uniqueId).toBe(
      'started-checkout:c1:3',
    );
    expect(startedCheckout({ ...cart, revision: 4 }, { profile, at: '2026-07-15T10:01:00Z' }).uniqueId).toBe(
      'started-checkout:c1:4',
    );
  });

  it('Viewed Product is per variant and page view', () => {
    const a = viewedProduct(line('x', 'a', 1999, 1), { profile, viewId: 'v1', at: '2026-07-15T10:00:00Z' });
    const b = viewedProduct(line('x', 'b', 1999, 1), { profile, viewId: 'v1', at: '2026-07-15T10:00:00Z' });
    expect(a.uniqueId).not.toBe(b.uniqueId);
    expect(a.properties).toMatchObject({ ProductID: 'p-a', SKU: 'SKU-a', Price: 19.99 });
  });

  it('ids cannot be confused by separators inside parts', () => {
    const one = viewedProduct(line('x', 'a:b', 1, 1), { profile, viewId: 'c', at: '2026-07-15T10:00:00Z' });
    const two = viewedProduct(line('x', 'a', 1, 1), { profile, viewId: 'b:c', at: '2026-07-15T10:00:00Z' });
    expect(one.uniqueId).not.toBe(two.uniqueId);
  });
});

describe('consent', () => {
  it('needs the identifier of its channel', () => {
    expect(() =>
      consentChange({
        channel: 'sms',
        status: 'SUBSCRIBED',
        profile,
        consentedAt: '2026-07-15T10:00:00Z',
        source: 'Checkout',
      }),
    ).toThrow(/phone number/);
    const change = consentChange({
      channel: 'email',
      status: 'SUBSCRIBED',
      profile,
      consentedAt: '2026-07-15T10:00:00Z',
      source: 'Checkout',
      disclosure: { text: 'Email me offers' },
    });
    expect(change.id).toBe('consent:email:SUBSCRIBED:ada%40example.com:2026-07-15T10%3A00%3A00Z');
  });
});
