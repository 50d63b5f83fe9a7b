import { describe, expect, it } from 'vitest';
import {
  catalogOrderKey,
  describeChange,
  itemHash,
  itemWrite,
  pickItem,
  variantWrite,
} from '../../lib/klaviyo-next/catalog/change.js';
import { catalogMessages } from '../../lib/klaviyo-next/catalog/messages.js';
import type { CatalogProduct } from '../../lib/klaviyo-next/catalog/types.js';
import { CatalogInputError } from '../../lib/klaviyo-next/catalog/validate.js';
import { orderKeyOf } from '../../lib/klaviyo-next/outbox/types.js';

const product = (): CatalogProduct => ({
  id: 'p1',
  title: 'Tea',
  description: 'Green tea',
  url: 'https://shop.example/p1',
  priceCents: 1299,
  categoryIds: ['b', 'a'],
  published: true,
  variants: [
    {
      id: 'v1',
      sku: 'T-1',
      title: 'Tea 100 g',
      description: 'Green tea',
      priceCents: 1299,
      inventoryQuantity: 3,
      url: 'https://shop.example/p1?v=1',
      published: true,
    },
  ],
});

describe('catalog changes', () => {
  it('sends prices in major units and hashes content, not key order or category order', () => {
    const write = itemWrite(product());
    expect(write.attributes.price).toBe(12.99);
    expect(write.categoryIds).toEqual(['a', 'b']);
    // What Klaviyo answers (more fields, another order, null for no image) hashes the same.
    const answered = {
      updated: 'x',
      published: true,
      price: 12.99,
      url: 'https://shop.example/p1',
      title: 'Tea',
      description: 'Green tea',
      image_full_url: null,
    };
    expect(itemHash(pickItem(answered), ['b', 'a'])).toBe(write.hash);
    expect(
      variantWrite(
        { ...(product().variants[0] as CatalogProduct['variants'][number]), inventoryQuantity: 0 },
        'p1',
      ).hash,
    ).not.toBe(variantWrite(product().variants[0] as CatalogProduct['variants'][number], 'p1').hash);
  });

  it('orders changes per product and per category; a state set again later is a new change', () => {
    let t = 1;
    const messages = catalogMessages(() => t++);
    const [first] = messages.productChanged(product());
    const [again] = messages.productChanged(product());
    const [deleted] = messages.productDeleted('p1', ['v1']);
    expect(first && orderKeyOf(first)).toBe('catalog:product:p1');
    expect(deleted && orderKeyOf(deleted)).toBe('catalog:product:p1');
    expect(first?.key).not.toBe(again?.key);
    const [category] = messages.categoryChanged({ id: 'a', name: 'A' });
    expect(first && describeChange(first.payload as never)).toBe('Catalog product p1 · 1 variant');
    expect(deleted && describeChange(deleted.payload as never)).toBe('Catalog product p1 deleted');
    expect(category && catalogOrderKey(category.payload as never)).toBe('catalog:category:a');
  });

  it('refuses a product Klaviyo would refuse, naming each wrong field', () => {
    const messages = catalogMessages();
    const bad = { ...product(), title: '', priceCents: 12.5, url: '/p1' };
    expect(() => messages.productChanged(bad)).toThrow(CatalogInputError);
    try {
      messages.productChanged(bad);
    } catch (error) {
      const problems = (error as CatalogInputError).problems.join(' | ');
      expect(problems).toContain('title');
      expect(problems).toContain('priceCents');
      expect(problems).toContain('url');
    }
    expect(() => messages.categoryChanged({ id: ' ', name: 'x' })).toThrow(/id/);
  });
});
