import { describe, expect, it } from 'vitest';
import {
  cancelledOrder,
  fulfilledOrder,
  refundedOrder,
  shipmentUpdated,
  trackingUrl,
} from '../../lib/klaviyo-next/events/index.js';
import type { LineSnapshot, OrderSnapshot } from '../../lib/klaviyo-next/events/types.js';

const line = (lineId: string, priceCents: number, quantity: number): LineSnapshot => ({
  lineId,
  productId: `p-${lineId}`,
  variantId: `v-${lineId}`,
  sku: `SKU-${lineId}`,
  name: `Product ${lineId}`,
  categories: ['Home'],
  url: `https://shop.test/products/${lineId}`,
  priceCents,
  quantity,
});

const order: OrderSnapshot = {
  orderId: 'NW-100001',
  currency: 'USD',
  placedAt: '2026-07-15T12:00:00Z',
  customer: { email: 'ada@example.com' },
  lines: [line('l1', 3200, 2), line('l2', 4800, 1)],
  discountCents: 0,
  shippingCents: 0,
  taxCents: 0,
  totalCents: 11_200,
};
const profile = { email: 'ada@example.com' };
const first = {
  fulfillmentId: 'NW-100001-F1',
  fulfilledAt: '2026-07-16T09:00:00Z',
  carrier: 'UPS',
  trackingNumber: '1Z999AA10123456784',
  lines: [{ lineId: 'l1', quantity: 1 }],
};

describe('fulfilment builders', () => {
  it('TrackingURL from carrier and number, any case; none for a carrier without a known page', () => {
    expect(trackingUrl('ups', '1Z 999')).toBe('https://www.ups.com/track?tracknum=1Z%20999');
    expect(trackingUrl('FedEx', '4490')).toBe('https://www.fedex.com/fedextrack/?trknbr=4490');
    expect(trackingUrl('Pigeon Post', '1')).toBeUndefined();
    expect(trackingUrl('UPS', undefined)).toBeUndefined();
  });

  it('a shipment leaving some to ship is Fulfilled Partial Order; the last one Fulfilled Order at the total', () => {
    const partial = fulfilledOrder(order, first, profile);
    expect(partial).toMatchObject({
      metric: 'Fulfilled Partial Order',
      uniqueId: 'fulfilled-order:NW-100001:NW-100001-F1',
      value: 32,
      properties: {
        OrderId: 'NW-100001',
        FulfillmentId: 'NW-100001-F1',
        TrackingURL: 'https://www.ups.com/track?tracknum=1Z999AA10123456784',
        IsPartial: true,
      },
    });
    const last = fulfilledOrder(
      order,
      {
        ...first,
        fulfillmentId: 'NW-100001-F2',
        lines: [
          { lineId: 'l1', quantity: 1 },
          { lineId: 'l2', quantity: 1 },
        ],
        completesOrder: true,
      },
      profile,
    );
    expect(last).toMatchObject({ metric: 'Fulfilled Order', value: 112, properties: { IsPartial: false } });
    // Pure and deterministic: the same shipment is the same event.
    expect(fulfilledOrder(order, first, profile)).toEqual(partial);
  });

  it('a host’s own tracking page wins over the built one', () => {
    const own = fulfilledOrder(order, { ...first, trackingUrl: 'https://track.example/1' }, profile);
    expect(own.properties.TrackingURL).toBe('https://track.example/1');
  });

  it('Confirmed and Delivered Shipment: one id per shipment and status, valued at what it carried', () => {
    const confirmed = shipmentUpdated(
      order,
      first,
      { status: 'confirmed', at: '2026-07-16T12:00:00Z' },
      profile,
    );
    const delivered = shipmentUpdated(
      order,
      first,
      { status: 'delivered', at: '2026-07-18T12:00:00Z' },
      profile,
    );
    expect([confirmed.metric, confirmed.uniqueId, confirmed.value]).toEqual([
      'Confirmed Shipment',
      'confirmed-shipment:NW-100001:NW-100001-F1',
      32,
    ]);
    expect([delivered.metric, delivered.uniqueId, delivered.time]).toEqual([
      'Delivered Shipment',
      'delivered-shipment:NW-100001:NW-100001-F1',
      '2026-07-18T12:00:00Z',
    ]);
    expect(delivered.properties).toMatchObject({ Carrier: 'UPS', TrackingNumber: '1Z999AA10123456784' });
  });

  it('Cancelled and Refunded Order share one sign: positive, the amount cancelled or refunded', () => {
    expect(cancelledOrder(order, { at: '2026-07-15T13:00:00Z' }, profile).value).toBe(112);
    const refund = {
      refundId: 'NW-100001-R1',
      refundedAt: '2026-07-20T00:00:00Z',
      amountCents: 4800,
      lines: [],
    };
    expect(refundedOrder(order, refund, profile).value).toBe(48);
  });
});
