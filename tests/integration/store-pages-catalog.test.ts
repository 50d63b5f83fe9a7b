import sql from 'sql-template-tag';
import { describe, expect, it } from 'vitest';
import { addedToCart, startedCheckout } from '../../lib/klaviyo-next/events/browse.js';
import { availabilityOf, stockForProducts, stockLevels } from '../../lib/store/availability.js';
import { requestBackInStock } from '../../lib/store/back-in-stock.js';
import { addToCart, createCart, loadCart } from '../../lib/store/cart.js';
import { cartSnapshot, openCartView, viewOf } from '../../lib/store/cart-view.js';
import { listProducts, productBySlug, sellableVariant } from '../../lib/store/catalog.js';
import { DEMO_PRODUCTS } from '../../lib/store/catalog-data.js';
import { formatMoney, formatPrice } from '../../lib/store/format.js';
import { setStock } from '../../lib/store/inventory.js';
import { placeOrder } from '../../lib/store/orders/place-order.js';
import { artOf, imageStem, OPTION_COLOURS, productImage } from '../../lib/store/product-art.js';
import { cardOf, sortCards, sortKeyOf } from '../../lib/store/product-view.js';
import { orderForShopper, ordersOfCustomer } from '../../lib/store/shopper-orders.js';
import { freshSqlite } from '../support/databases.js';
import {
  cartWith,
  checkoutForm,
  onBothDatabases,
  outboxMessages,
  placedOrder,
  testStoreDeps,
} from '../support/store-fixtures.js';

/** What the storefront pages read: stock badges, cart views, snapshots for tracking, orders, back in stock. */
describe('storefront presentation', () => {
  it('has a picture and art for every product, and a swatch for every colour option', () => {
    for (const product of DEMO_PRODUCTS) {
      expect(artOf(product.slug).silhouette, product.slug).toBeDefined();
      if (!artOf(product.slug).colourOptions) continue;
      for (const option of product.options) expect(OPTION_COLOURS[option], option).toMatch(/^#[0-9a-f]{6}$/);
    }
    expect(productImage('organic-cotton-tee', 'XL')).toBe('/products/organic-cotton-tee.svg');
    expect(productImage('stoneware-mug-set', 'Speckled White')).toBe(
      '/products/stoneware-mug-set--speckled-white.svg',
    );
    expect(imageStem('linen-napkins')).toBe('linen-napkins');
  });

  it('formats catalogue prices without trailing zeros and order amounts with cents', () => {
    expect(formatPrice(3200)).toBe('$32');
    expect(formatPrice(3250)).toBe('$32.50');
    expect(formatMoney(3200)).toBe('$32.00');
    expect(formatMoney(123456)).toBe('$1,234.56');
  });

  it('describes products as cards: "From" prices, option counts, swatches', () => {
    const duvet = cardOf(productBySlug('stonewashed-linen-duvet') as never, 'available');
    expect(duvet).toMatchObject({
      priceCents: 18900,
      priceVaries: true,
      optionsLabel: '3 sizes',
      swatches: [],
    });
    const mugs = cardOf(productBySlug('stoneware-mug-set') as never, 'limited');
    expect(mugs.swatches.map((s) => s.name)).toEqual(['Speckled White', 'Slate']);
    expect(mugs.optionsLabel).toBe('2 colours');
  });

  it('sorts cards, keeping sold-out products last', () => {
    const cards = listProducts().map((p, i) => cardOf(p, i === 0 ? 'sold-out' : 'available'));
    const byPrice = sortCards(cards, 'price-asc');
    expect(byPrice.at(-1)?.slug).toBe(cards[0]?.slug);
    const prices = byPrice.slice(0, -1).map((c) => c.priceCents);
    expect(prices).toEqual([...prices].sort((a, b) => a - b));
    expect(sortKeyOf('price-desc')).toBe('price-desc');
    expect(sortKeyOf('DROP TABLE')).toBe('featured');
  });

  it('prices a cart view with the checkout rules: flat shipping under $100, free from $100', () => {
    const cart = { id: 'c', revision: 1, currency: 'USD', status: 'open' as const };
    const small = viewOf(
      { ...cart, lines: [{ variantId: 'organic-cotton-tee-m', quantity: 2 }] },
      sellableVariant,
    );
    expect(small).toMatchObject({ subtotalCents: 6400, shippingCents: 800, totalCents: 7200, itemCount: 2 });
    expect(small.toFreeShippingCents).toBe(3600);
    const large = viewOf(
      {
        ...cart,
        lines: [
          { variantId: 'waxed-canvas-jacket-l', quantity: 1 },
          { variantId: 'denim-work-short-32', quantity: 1 }, // unpublished: left out, and said so
        ],
      },
      sellableVariant,
    );
    expect(large).toMatchObject({ subtotalCents: 19800, shippingCents: 0, toFreeShippingCents: 0 });
    expect(large.unavailable).toEqual([{ variantId: 'denim-work-short-32', quantity: 1 }]);
    expect(viewOf({ ...cart, lines: [] }, sellableVariant)).toMatchObject({
      shippingCents: 0,
      totalCents: 0,
    });
  });
});

onBothDatabases('storefront data', (db) => {
  it('reads stock for a grid in one query and badges sold-out and limited products', async () => {
    const deps = testStoreDeps(db());
    const wallet = productBySlug('leather-card-wallet');
    if (!wallet) throw new Error('no wallet');
    const before = await stockForProducts(db(), [wallet]);
    expect(before.get('leather-card-wallet-tan')).toBe(0); // sold out in the catalog
    expect(availabilityOf(wallet, before)).toBe('limited');

    await db().transaction((tx) => setStock(tx, 'leather-card-wallet-black', 0, deps.now()));
    const after = await stockLevels(db(), ['leather-card-wallet-tan', 'leather-card-wallet-black']);
    expect(availabilityOf(wallet, after)).toBe('sold-out');
    await db().transaction((tx) => setStock(tx, 'leather-card-wallet-black', 25, deps.now()));
    expect(await stockLevels(db(), [])).toEqual(new Map());
  });

  it('shows only an open cart, and snapshots it exactly as the relay does for tracking', async () => {
    const deps = testStoreDeps(db());
    const cartId = await cartWith(deps, [
      ['merino-crew-sweater-moss', 1],
      ['linen-napkins-indigo', 2],
    ]);
    const view = await openCartView(deps, cartId);
    expect(view).toMatchObject({ id: cartId, revision: 2, itemCount: 3, subtotalCents: 11800 + 7200 });
    expect(await openCartView(deps, 'not-a-cart')).toBeUndefined();
    expect(await openCartView(deps, undefined)).toBeUndefined();

    const snapshot = await cartSnapshot(deps, view as NonNullable<typeof view>);
    if (!snapshot) throw new Error('no snapshot');
    expect(snapshot.rebuildUrl).toBe(`https://shop.test/cart?restore=${cartId}`);
    const at = { profile: {}, at: '2026-07-15T12:00:00Z' };
    expect(startedCheckout(snapshot, at).uniqueId).toBe(`started-checkout:${cartId}:2`);
    expect(addedToCart(snapshot, snapshot.lines[1] as never, at).uniqueId).toBe(`added-to-cart:${cartId}:2`);

    await placeOrder(deps, checkoutForm(cartId, { marketing: {} }));
    expect((await loadCart(db(), cartId))?.status).toBe('ordered');
    expect(await openCartView(deps, cartId)).toBeUndefined();
  });

  it('shows an order to its own shopper only, and lists their orders newest first', async () => {
    const deps = testStoreDeps(db());
    const first = await placedOrder(deps, [['olive-wood-serving-board-large', 1]]);
    const second = await placedOrder(deps, [
      ['olive-wood-serving-board-small', 2],
      ['hand-blown-glass-carafe-amber', 1],
    ]);
    const [row] = await db().query<{ customer_id: string }>(
      sql`SELECT customer_id FROM store_orders WHERE id = ${second}`,
    );
    const owner = row?.customer_id as string;

    expect((await orderForShopper(deps, second, owner))?.lines).toHaveLength(2);
    expect(await orderForShopper(deps, second, 'someone-else')).toBeUndefined();
    expect(await orderForShopper(deps, second, undefined)).toBeUndefined();
    expect(await orderForShopper(deps, "NW-1' OR 1=1 --", owner)).toBeUndefined();

    const orders = await ordersOfCustomer(deps, owner);
    const mine = orders.filter((o) => o.id === first || o.id === second);
    expect(mine.map((o) => o.id)).toEqual([second, first]);
    expect(mine[0]).toMatchObject({ itemCount: 3, totalCents: 4500 * 2 + 5200, currency: 'USD' });
  });

  it('asks Klaviyo for a back-in-stock email once per variant and email, for sold-out variants only', async () => {
    const deps = testStoreDeps(db());
    const email = `restock.${process.pid}.${Date.now()}@example.com`;
    const ask = () =>
      requestBackInStock(deps, { variantId: 'turkish-cotton-robe-l-xl', email: ` ${email.toUpperCase()} ` });

    expect(await ask()).toEqual({ ok: true, data: { variantId: 'turkish-cotton-robe-l-xl', created: true } });
    expect(await ask()).toEqual({
      ok: true,
      data: { variantId: 'turkish-cotton-robe-l-xl', created: false },
    });
    expect(deps.deliveries.scheduled).toBe(1);
    const requests = (await outboxMessages(db())).filter(
      (m) => m.kind === 'back-in-stock' && m.payload.profile.email === email,
    );
    expect(requests).toEqual([
      {
        kind: 'back-in-stock',
        key: `back-in-stock:turkish-cotton-robe-l-xl:${email}`,
        payload: { profile: { email }, variantId: 'turkish-cotton-robe-l-xl', channels: ['EMAIL'] },
      },
    ]);

    expect(await requestBackInStock(deps, { variantId: 'turkish-cotton-robe-s-m', email })).toMatchObject({
      ok: false,
      error: { field: 'variantId', message: expect.stringMatching(/in stock/) },
    });
    expect(await requestBackInStock(deps, { variantId: 'denim-work-short-30', email })).toMatchObject({
      ok: false,
      error: { field: 'variantId' },
    });
    expect(
      await requestBackInStock(deps, { variantId: 'turkish-cotton-robe-l-xl', email: 'nope' }),
    ).toMatchObject({
      ok: false,
      error: { field: 'email' },
    });
    expect(
      await requestBackInStock(deps, { variantId: 'turkish-cotton-robe-l-xl', email, channels: ['SMS'] }),
    ).toMatchObject({ ok: false, error: { field: 'channels' } });
  });
});

describe('a fresh cart', () => {
  it('has no snapshot before its first change (nothing to track yet)', async () => {
    const db = await freshSqlite();
    try {
      const deps = testStoreDeps(db);
      const cart = await createCart(deps);
      expect(await cartSnapshot(deps, { id: cart.id, revision: 0 })).toBeUndefined();
      await addToCart(deps, { cartId: cart.id, variantId: 'waffle-bath-towel-sage' });
      expect((await cartSnapshot(deps, { id: cart.id, revision: 1 }))?.lines).toHaveLength(1);
    } finally {
      await db.close();
    }
  });
});
