import { describe, expect, it } from 'vitest';
import { addedToCart, viewedProduct } from '../../lib/klaviyo-next/events/browse';
import type { CartSnapshot, ProductSnapshot } from '../../lib/klaviyo-next/events/types';
import { newViewId, onsiteProperties, viewedItem } from '../../lib/klaviyo-next/onsite/events';
import { exchangeTokenFromSearch } from '../../lib/klaviyo-next/onsite/exchange';
import { klaviyoScriptUrl } from '../../lib/klaviyo-next/onsite/script-url';

const tee: ProductSnapshot = {
  productId: 'tee',
  variantId: 'tee-m',
  sku: 'TEE-M',
  name: 'Tee',
  brand: 'Northwind',
  categories: ['Shirts'],
  url: 'https://shop.example/products/tee',
  imageUrl: 'https://shop.example/products/tee.jpg',
  priceCents: 3200,
  compareAtPriceCents: 4000,
};
const at = '2026-01-01T00:00:00.000Z';

describe('builder events for klaviyo.track', () => {
  it('carry the builder unique_id as $event_id, which klaviyo.js sends as unique_id', () => {
    const event = viewedProduct(tee, { profile: {}, viewId: 'view1234', at });
    const properties = onsiteProperties(event);
    expect(properties.$event_id).toBe('viewed-product:tee-m:view1234');
    expect(properties).toMatchObject({ ProductID: 'tee', VariantID: 'tee-m', Price: 32 });
    expect(properties).not.toHaveProperty('$value');
    expect(properties).not.toHaveProperty('time');
  });

  it('Added to Cart keeps its $value and the same unique_id as the relay derives for that cart revision', () => {
    const line = { ...tee, lineId: 'l1', quantity: 2 };
    const cart: CartSnapshot = { cartId: 'c1', revision: 3, currency: 'USD', lines: [line], rebuildUrl: 'x' };
    const browser = onsiteProperties(addedToCart(cart, line, { profile: {}, at }));
    const server = addedToCart(cart, line, { profile: { _kx: 'x.ABC123' }, at: '2026-02-02T00:00:00Z' });
    expect(browser.$event_id).toBe(server.uniqueId);
    expect(browser.$value).toBe(64);
  });

  it('trackViewedItem gets the Recently Viewed Items shape', () => {
    expect(viewedItem(tee)).toEqual({
      Title: 'Tee',
      ItemId: 'tee',
      Categories: ['Shirts'],
      ImageUrl: 'https://shop.example/products/tee.jpg',
      Url: 'https://shop.example/products/tee',
      Metadata: { Brand: 'Northwind', Price: 32, CompareAtPrice: 40 },
    });
  });

  it('view ids are fresh and pass the relay’s check', () => {
    const ids = new Set(Array.from({ length: 50 }, newViewId));
    expect(ids.size).toBe(50);
    for (const id of ids) expect(id).toMatch(/^[A-Za-z0-9_-]{8,64}$/);
  });
});

describe('exchange tokens and the script URL', () => {
  it('takes a _kx for this company only', () => {
    expect(exchangeTokenFromSearch('?_kx=abc%3D%3D.ABC123&x=1', 'ABC123')).toBe('abc==.ABC123');
    expect(exchangeTokenFromSearch('?_kx=abc.XYZ789', 'ABC123')).toBeUndefined();
    expect(exchangeTokenFromSearch('', 'ABC123')).toBeUndefined();
  });

  it("loads Klaviyo's script in production and the emulator's stand-in against the emulator", () => {
    expect(klaviyoScriptUrl({ companyId: 'ABC123' })).toBe(
      'https://static.klaviyo.com/onsite/js/ABC123/klaviyo.js',
    );
    expect(klaviyoScriptUrl({ companyId: 'ABC123', apiUrl: 'https://a.klaviyo.com', live: true })).toBe(
      'https://static.klaviyo.com/onsite/js/ABC123/klaviyo.js',
    );
    expect(klaviyoScriptUrl({ companyId: 'ABC123', apiUrl: 'http://127.0.0.1:8787/', live: false })).toBe(
      'http://127.0.0.1:8787/onsite/js/ABC123/klaviyo.js',
    );
  });
});
