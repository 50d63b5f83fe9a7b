import { beforeEach, describe, expect, it, vi } from 'vitest';
import {
  changePriceAction,
  deleteProductAction,
  setPublishedAction,
  setStockAction,
} from '../../app/(admin)/admin/(dashboard)/products/actions.js';
import { catalogMessages } from '../../lib/klaviyo-next/catalog/messages.js';
import { flushStockMarks, markStock, type StockMark } from '../../lib/klaviyo-next/catalog/stock-marks.js';
import { OutboxStore } from '../../lib/klaviyo-next/outbox/store.js';
import type { SqlDatabase, SqlExecutor } from '../../lib/klaviyo-next/sql/types.js';
import { openCartView } from '../../lib/store/cart-view.js';
import { demoCatalogSource } from '../../lib/store/catalog-source.js';
import { stockOf } from '../../lib/store/inventory.js';
import { placeOrder } from '../../lib/store/orders/place-order.js';
import {
  listProducts,
  productById,
  productBySlug,
  sellableVariant,
} from '../../lib/store/products/current.js';
import {
  adminSession,
  NEXT_AUTH_COOKIE as COOKIE,
  jar,
  notMerchants,
  redirectOf,
} from '../support/action-request.js';
import { withTestApp } from '../support/app-under-test.js';
import {
  cartWith,
  checkoutForm,
  outboxMessages,
  STORE_URL,
  type TestStoreDeps,
  testStoreDeps,
} from '../support/store-fixtures.js';

// The app's composition root, built by the same factories over this file's test database.
vi.mock('../../lib/app/index.js', async () => (await import('../support/app-under-test.js')).appModule);
vi.mock('next/headers', async () => (await import('../support/action-request.js')).nextHeaders);
vi.mock('next/navigation', async () => (await import('../support/action-request.js')).nextNavigation);
vi.mock('next/cache', () => ({ revalidatePath: () => {} }));

/**
 * The admin's Products page actions, public POST endpoints like every server action: played by
 * callers who are not a merchant (nothing changes, nothing is sent), then by the merchant with forged
 * forms (a negative price, an unknown variant: a clear refusal naming the field) and real changes,
 * each of which reaches the outbox as Klaviyo catalogue messages carrying the committed state.
 */
/**
 * The plugin's catalog sync over this database, as lib/app wires it: the message builders, the stock
 * marks a checkout or cancellation leaves, and the flush delivery runs before each round (here, on demand).
 */
function catalogOn(db: SqlDatabase) {
  const messages = catalogMessages();
  return {
    ...messages,
    stockChanged: (tx: SqlExecutor, marks: readonly StockMark[]) => markStock(tx, marks, Date.now()),
    flush: () =>
      flushStockMarks({
        outbox: new OutboxStore(db),
        source: demoCatalogSource({ db, storeUrl: STORE_URL }),
        messages,
        now: Date.now,
        log: () => {},
      }),
  };
}

let db: SqlDatabase;
let deps: TestStoreDeps;
withTestApp(
  (fresh) => Object.assign(testStoreDeps(fresh), { catalog: catalogOn(fresh) }),
  (fresh) => {
    deps = fresh;
    db = fresh.db;
  },
);
beforeEach(() => jar.clear());

const TEE = 'organic-cotton-tee';
const TEE_M = 'organic-cotton-tee-m';
const TEE_XL = 'organic-cotton-tee-xl'; // sold out as shipped

const form = (fields: Record<string, string>) => {
  const data = new FormData();
  for (const [k, v] of Object.entries(fields)) data.append(k, v);
  return data;
};

const catalogChanges = async () =>
  (await outboxMessages(db)).flatMap((m) => (m.kind === 'catalog' ? [m.payload] : []));

describe('products admin without a merchant session', () => {
  it.each(notMerchants)(
    'with %s: every change is refused with its code, nothing changed or sent',
    async (_name, cookie) => {
      const value = await cookie();
      if (value) jar.set(COOKIE, value);
      const before = await outboxMessages(db);
      const attempts: [(input: unknown) => Promise<unknown>, Record<string, string>][] = [
        [changePriceAction, { variantId: TEE_M, price: '1' }],
        [setStockAction, { variantId: TEE_XL, onHand: '9' }],
        [setPublishedAction, { productId: TEE, published: 'false' }],
        [deleteProductAction, { productId: TEE }],
      ];
      for (const [action, fields] of attempts) {
        for (const input of [form(fields), fields])
          expect(await action(input)).toMatchObject({
            ok: false,
            error: { code: expect.stringMatching(/^(unauthenticated|forbidden)$/) },
          });
      }
      expect(await outboxMessages(db)).toEqual(before);
      expect((await productById(db, TEE))?.variants.find((v) => v.id === TEE_M)?.priceCents).toBe(3200);
      expect((await productById(db, TEE))?.published).toBe(true);
      expect(await stockOf(db, TEE_XL)).toBe(0);
    },
  );
});

describe('products admin by the merchant', () => {
  beforeEach(async () => {
    jar.set(COOKIE, await adminSession({ role: 'merchant' }));
  });

  it('refuses a forged form by the field it got wrong, changing nothing', async () => {
    const before = await outboxMessages(db);
    const refusals: [(input: unknown) => Promise<unknown>, Record<string, unknown>, string, string?][] = [
      [
        changePriceAction,
        { variantId: TEE_M, price: '-5' },
        'price',
        'price: must be an amount like 45 or 45.50',
      ],
      [changePriceAction, { variantId: TEE_M, price: '0' }, 'price', 'price: must be at least 0.01'],
      [changePriceAction, { variantId: TEE_M, price: '12.345' }, 'price'],
      [changePriceAction, { variantId: TEE_M, price: 'NaN' }, 'price'],
      [changePriceAction, { variantId: 'no-such-variant', price: '10' }, 'variantId', 'No such variant.'],
      [changePriceAction, { variantId: TEE_M, price: '10', priceCents: 1 }, 'priceCents'],
      [setStockAction, { variantId: TEE_M, onHand: '-1' }, 'onHand', 'onHand: must be 0 or more'],
      [setStockAction, { variantId: TEE_M, onHand: '2.5' }, 'onHand'],
      [setStockAction, { variantId: TEE_M, onHand: '1000001' }, 'onHand'],
      [setStockAction, { variantId: 'no-such-variant', onHand: '3' }, 'variantId', 'No such variant.'],
      [setPublishedAction, { productId: TEE, published: 'maybe' }, 'published'],
      [
        setPublishedAction,
        { productId: 'no-such-product', published: 'true' },
        'productId',
        'No such product.',
      ],
      [deleteProductAction, { productId: '' }, 'productId'],
    ];
    for (const [action, input, field, message] of refusals) {
      const result = await action(input);
      expect(result, JSON.stringify(input)).toMatchObject({ ok: false, error: { field } });
      if (message) expect(result).toMatchObject({ error: { message } });
    }
    // The page's form goes back to the page naming the field, never echoing what was typed.
    expect(await redirectOf(() => changePriceAction(form({ variantId: TEE_M, price: '-5' })))).toBe(
      '/admin/products?error=price',
    );
    expect(await outboxMessages(db)).toEqual(before);
    expect((await sellableVariant(db, TEE_M))?.variant.priceCents).toBe(3200);
  });

  it('changes a price: the storefront sells at it and Klaviyo is sent the product with it', async () => {
    expect(await redirectOf(() => changePriceAction(form({ variantId: TEE_M, price: '29.50' })))).toBe(
      `/admin/products?done=${TEE}`,
    );
    expect((await sellableVariant(db, TEE_M))?.variant.priceCents).toBe(2950);
    const cartId = await cartWith(deps, [[TEE_M, 2]]);
    expect(await openCartView(deps, cartId)).toMatchObject({
      lines: [{ priceCents: 2950 }],
      subtotalCents: 5900,
    });
    expect(await placeOrder(deps, checkoutForm(cartId, { marketing: {} }))).toMatchObject({
      ok: true,
      data: { totalCents: 5900 + 800 },
    });
    // The price change sent the product whole; the order marked M, sent as the product then is.
    await catalogOn(db).flush();
    const [changed, sold] = (await catalogChanges()).slice(-2);
    expect(changed).toMatchObject({ op: 'product', item: { id: TEE, attributes: { price: 29.5 } } });
    if (changed?.op !== 'product' || sold?.op !== 'product') throw new Error('expected product changes');
    expect(changed.variants).toHaveLength(4);
    expect(changed.variants.find((v) => v.id === TEE_M)?.attributes).toMatchObject({
      price: 29.5,
      inventory_quantity: 25,
      url: `https://shop.test/products/${TEE}`,
    });
    expect(sold.variants.find((v) => v.id === TEE_M)?.attributes).toMatchObject({
      price: 29.5,
      inventory_quantity: 23,
    });
    expect(deps.deliveries.scheduled).toBeGreaterThan(0);
  });

  it('restocks a sold-out variant: the message carries its new quantity', async () => {
    expect(await setStockAction({ variantId: TEE_XL, onHand: '7' })).toEqual({
      ok: true,
      data: { productId: TEE },
    });
    expect(await stockOf(db, TEE_XL)).toBe(7);
    const last = (await catalogChanges()).at(-1);
    if (last?.op !== 'product') throw new Error('expected a product change');
    expect(last.variants.find((v) => v.id === TEE_XL)?.attributes.inventory_quantity).toBe(7);
  });

  it('unpublishes, publishes and deletes a product, each sent to Klaviyo', async () => {
    const wallet = 'leather-card-wallet';
    const cartId = await cartWith(deps, [[`${wallet}-black`, 1]]);
    await setPublishedAction({ productId: wallet, published: 'false' });
    expect(await sellableVariant(db, `${wallet}-black`)).toBeUndefined();
    expect((await catalogChanges()).at(-1)).toMatchObject({
      op: 'product',
      item: { id: wallet, attributes: { published: false } },
    });
    expect((await openCartView(deps, cartId))?.unavailable).toHaveLength(1);
    await setPublishedAction({ productId: wallet, published: 'true' });
    expect(await sellableVariant(db, `${wallet}-black`)).toBeDefined();
    expect((await openCartView(deps, cartId))?.lines.map((l) => l.priceCents)).toEqual([4800]);

    expect(await deleteProductAction(form({ productId: wallet })).catch((e) => e.url)).toBe(
      `/admin/products?done=${wallet}`,
    );
    expect(await productById(db, wallet)).toBeUndefined();
    // The storefront no longer shows it, and a cart holding it cannot check out.
    expect(await productBySlug(db, wallet)).toBeUndefined();
    expect((await listProducts(db)).map((p) => p.id)).not.toContain(wallet);
    expect((await openCartView(deps, cartId))?.unavailable).toEqual([
      { variantId: `${wallet}-black`, quantity: 1 },
    ]);
    expect((await catalogChanges()).at(-1)).toEqual(
      expect.objectContaining({
        op: 'product-delete',
        itemId: wallet,
        variantIds: [`${wallet}-tan`, `${wallet}-black`],
      }),
    );
    // A deleted product takes no more changes.
    expect(await changePriceAction({ variantId: `${wallet}-black`, price: '40' })).toMatchObject({
      ok: false,
      error: { field: 'productId', message: 'This product was deleted.' },
    });
  });
});
