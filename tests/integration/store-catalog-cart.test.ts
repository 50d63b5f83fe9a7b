import sql from 'sql-template-tag';
import { describe, expect, it } from 'vitest';
import { addToCart, createCart, loadCart, removeFromCart, updateCartLine } from '../../lib/store/cart.js';
import {
  listProducts,
  productBySlug,
  productsInCategory,
  searchProducts,
  sellableVariant,
} from '../../lib/store/catalog.js';
import { DEMO_PRODUCTS } from '../../lib/store/catalog-data.js';
import { setStock } from '../../lib/store/inventory.js';
import { onBothDatabases, testStoreDeps } from '../support/store-fixtures.js';

describe('the demo catalog', () => {
  it('lists the 23 published of its 24 products, priced in cents', () => {
    expect(DEMO_PRODUCTS).toHaveLength(24);
    expect(listProducts()).toHaveLength(23);
    expect(productBySlug('denim-work-short')).toBeUndefined();
    expect(productBySlug('stonewashed-linen-duvet')?.variants.map((v) => v.priceCents)).toEqual([
      18900, 21900, 24900,
    ]);
  });

  it('uses the ids of the Klaviyo catalog the emulator seeds', () => {
    const robe = productBySlug('turkish-cotton-robe');
    expect(robe?.variants.map((v) => [v.id, v.sku, v.initialStock])).toEqual([
      ['turkish-cotton-robe-s-m', 'ROB-S-M', 25],
      ['turkish-cotton-robe-l-xl', 'ROB-L-XL', 0],
    ]);
  });

  it('finds products by category and by words', () => {
    expect(productsInCategory('outerwear').map((p) => p.slug)).toContain('wool-overshirt');
    expect(productsInCategory('tops').map((p) => p.slug)).toContain('wool-overshirt');
    expect(searchProducts('linen pant').map((p) => p.slug)).toEqual(['wide-leg-linen-pant']);
    expect(searchProducts('denim')).toEqual([]); // only the unpublished shorts match
    expect(searchProducts('   ')).toEqual([]);
    expect(sellableVariant('denim-work-short-32')).toBeUndefined();
  });
});

onBothDatabases('carts', (db) => {
  const deps = () => testStoreDeps(db());

  it('numbers every change and records what it did', async () => {
    const d = deps();
    const cart = await createCart(d);
    const tee = 'organic-cotton-tee-m';
    expect(await addToCart(d, { cartId: cart.id, variantId: tee, quantity: 2 })).toEqual({
      ok: true,
      data: { cartId: cart.id, revision: 1 },
    });
    expect(await addToCart(d, { cartId: cart.id, variantId: 'relaxed-chino-32' })).toMatchObject({
      data: { revision: 2 },
    });
    expect(await updateCartLine(d, { cartId: cart.id, variantId: tee, quantity: 5 })).toMatchObject({
      data: { revision: 3 },
    });
    expect(await removeFromCart(d, { cartId: cart.id, variantId: 'relaxed-chino-32' })).toMatchObject({
      data: { revision: 4 },
    });
    expect(await loadCart(d.db, cart.id)).toMatchObject({
      revision: 4,
      lines: [{ variantId: tee, quantity: 5 }],
    });
    const changes = await d.db.query(
      sql`SELECT revision, kind, variant_id, quantity FROM store_cart_changes WHERE cart_id = ${cart.id} ORDER BY revision`,
    );
    expect(changes).toEqual([
      { revision: 1, kind: 'add', variant_id: tee, quantity: 2 },
      { revision: 2, kind: 'add', variant_id: 'relaxed-chino-32', quantity: 1 },
      { revision: 3, kind: 'add', variant_id: tee, quantity: 3 },
      { revision: 4, kind: 'remove', variant_id: 'relaxed-chino-32', quantity: 0 },
    ]);
  });

  it('refuses sold-out, unpublished and unknown variants, and silly quantities, without a new revision', async () => {
    const d = deps();
    const cart = await createCart(d);
    const attempts = [
      [{ variantId: 'organic-cotton-tee-xl' }, 'quantity', 'Sold out.'],
      [{ variantId: 'denim-work-short-32' }, 'variantId', 'No such product.'],
      [{ variantId: 'no-such-thing' }, 'variantId', 'No such product.'],
      [{ variantId: 'organic-cotton-tee-m', quantity: 11 }, 'quantity', undefined],
      [{ variantId: 'organic-cotton-tee-m', quantity: -1 }, 'quantity', undefined],
      [{ variantId: 'organic-cotton-tee-m', quantity: 1.5 }, 'quantity', undefined],
      [{ variantId: 'organic-cotton-tee-m', priceCents: 1 }, 'priceCents', undefined],
    ] as const;
    for (const [input, field, message] of attempts) {
      const result = await addToCart(d, { cartId: cart.id, ...input });
      expect(result, JSON.stringify(input)).toMatchObject({ ok: false, error: { field } });
      if (message && !result.ok) expect(result.error.message).toBe(message);
    }
    expect(await addToCart(d, { cartId: 'not-a-uuid', variantId: 'organic-cotton-tee-m' })).toMatchObject({
      ok: false,
      error: { field: 'cartId' },
    });
    expect((await loadCart(d.db, cart.id))?.revision).toBe(0);
  });

  it('never adds more than is on hand', async () => {
    const d = deps();
    const cart = await createCart(d);
    await d.db.transaction((tx) => setStock(tx, 'canvas-market-tote-olive', 2, d.now()));
    expect(
      await addToCart(d, { cartId: cart.id, variantId: 'canvas-market-tote-olive', quantity: 3 }),
    ).toMatchObject({
      ok: false,
      error: { field: 'quantity', message: 'Only 2 left.' },
    });
  });

  it('gives concurrent changes consecutive revisions', async () => {
    const d = deps();
    const cart = await createCart(d);
    const variants = [
      'organic-cotton-tee-s',
      'organic-cotton-tee-m',
      'organic-cotton-tee-l',
      'relaxed-chino-30',
      'relaxed-chino-32',
    ];
    const results = await Promise.all(
      variants.map((variantId) => addToCart(d, { cartId: cart.id, variantId })),
    );
    const revisions = results.map((r) => (r.ok ? r.data.revision : 0)).sort((a, b) => a - b);
    expect(revisions).toEqual([1, 2, 3, 4, 5]);
  });
});
