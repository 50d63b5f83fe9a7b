import sql from 'sql-template-tag';
import { expect, it } from 'vitest';
import type { CatalogChange } from '../../lib/klaviyo-next/catalog/change.js';
import { catalogMessages } from '../../lib/klaviyo-next/catalog/messages.js';
import { flushStockMarks, markStock, type StockMark } from '../../lib/klaviyo-next/catalog/stock-marks.js';
import { OutboxStore } from '../../lib/klaviyo-next/outbox/store.js';
import type { SqlDatabase, SqlExecutor } from '../../lib/klaviyo-next/sql/types.js';
import { demoCatalogSource } from '../../lib/store/catalog-source.js';
import { stockOf } from '../../lib/store/inventory.js';
import { cancelOrder } from '../../lib/store/orders/cancel-order.js';
import { placeOrder } from '../../lib/store/orders/place-order.js';
import { changePrice, deleteProduct, setVariantStock } from '../../lib/store/products/changes.js';
import { sellableVariant } from '../../lib/store/products/current.js';
import {
  cartWith,
  checkoutForm,
  onBothDatabases,
  outboxMessages,
  STORE_URL,
  testStoreDeps,
} from '../support/store-fixtures.js';

/**
 * The merchant's catalogue changes racing checkouts and cancellations, on SQLite and Postgres: an
 * order is charged one price (the one before the change or the one after, never a mix), and the last
 * catalogue message enqueued for a variant carries what the store holds once both have committed, so
 * Klaviyo's catalogue ends where the store does.
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

const depsOn = (db: SqlDatabase) => Object.assign(testStoreDeps(db), { catalog: catalogOn(db) });

/**
 * The variant as the last catalogue message that names it left it: price (major units) and stock,
 * once the stock marks waiting have been sent as their products now are.
 */
async function lastSent(db: SqlDatabase, variantId: string) {
  await catalogOn(db).flush();
  const changes = (await outboxMessages(db)).flatMap((m) =>
    m.kind === 'catalog' ? [m.payload as CatalogChange] : [],
  );
  for (const change of changes.reverse()) {
    if (change.op === 'product-delete' && change.variantIds.includes(variantId)) return 'deleted';
    if (change.op !== 'product') continue;
    const variant = change.variants.find((v) => v.id === variantId);
    if (variant) return { price: variant.attributes.price, stock: variant.attributes.inventory_quantity };
  }
  return undefined;
}

async function linePrice(db: SqlDatabase, orderId: string) {
  const [row] = await db.query<{ price_cents: number | string }>(
    sql`SELECT price_cents FROM store_order_lines WHERE order_id = ${orderId}`,
  );
  return Number(row?.price_cents);
}

onBothDatabases('catalogue changes racing checkout', (db) => {
  it('charges one consistent price when a price change races a checkout, and sends the final state last', async () => {
    const deps = depsOn(db());
    const variant = 'relaxed-chino-32'; // $88, flat $8 shipping below $100
    for (let round = 1; round <= 6; round++) {
      const before = (await sellableVariant(deps.db, variant))?.variant.priceCents as number;
      const after = before + 100;
      const cartId = await cartWith(deps, [[variant, 1]]);
      const [placed, changed] = await Promise.all([
        placeOrder(deps, checkoutForm(cartId, { marketing: {} })),
        changePrice(deps, { variantId: variant, price: (after / 100).toFixed(2) }),
      ]);
      if (!placed.ok || !changed.ok) throw new Error(JSON.stringify({ placed, changed }));
      const charged = await linePrice(db(), placed.data.orderId);
      expect([before, after]).toContain(charged);
      expect(placed.data.totalCents).toBe(charged + 800);
      const stock = await stockOf(db(), variant);
      expect(await lastSent(db(), variant)).toEqual({ price: after / 100, stock });
    }
  });

  it('sends the stock the store ends with when a restock races a checkout and a cancellation', async () => {
    const deps = depsOn(db());
    const variant = 'canvas-market-tote-olive';
    for (let round = 1; round <= 5; round++) {
      await setVariantStock(deps, { variantId: variant, onHand: 1 });
      const cartId = await cartWith(deps, [[variant, 1]]);
      const [placed, restocked] = await Promise.all([
        placeOrder(deps, checkoutForm(cartId, { marketing: {} })),
        setVariantStock(deps, { variantId: variant, onHand: 5 }),
      ]);
      if (!placed.ok || !restocked.ok) throw new Error(JSON.stringify({ placed, restocked }));
      const stock = await stockOf(db(), variant);
      expect([4, 5]).toContain(stock);
      expect(await lastSent(db(), variant)).toMatchObject({ stock });

      const [cancelled, again] = await Promise.all([
        cancelOrder(deps, { orderId: placed.data.orderId }),
        setVariantStock(deps, { variantId: variant, onHand: 2 }),
      ]);
      if (!cancelled.ok || !again.ok) throw new Error(JSON.stringify({ cancelled, again }));
      const final = await stockOf(db(), variant);
      expect([2, 3]).toContain(final);
      expect(await lastSent(db(), variant)).toMatchObject({ stock: final });
    }
  });

  it('sends the state the store ends with when two merchants change one product at once', async () => {
    const deps = depsOn(db());
    const variant = 'quilted-liner-vest-m';
    for (let round = 1; round <= 5; round++) {
      const results = await Promise.all([
        changePrice(deps, { variantId: variant, price: `${100 + round}` }),
        changePrice(deps, { variantId: variant, price: `${200 + round}` }),
        setVariantStock(deps, { variantId: variant, onHand: round }),
      ]);
      expect(results.map((r) => r.ok)).toEqual([true, true, true]);
      const now = await sellableVariant(db(), variant);
      // One of the two prices won, whole.
      expect([100 + round, 200 + round]).toContain((now?.variant.priceCents ?? 0) / 100);
      expect(await lastSent(db(), variant)).toEqual({
        price: (now?.variant.priceCents ?? 0) / 100,
        stock: round,
      });
    }
  });

  it('refuses a checkout of a product deleted before it, and sends the deletion last', async () => {
    const deps = depsOn(db());
    const cartId = await cartWith(deps, [['wool-blend-scarf-grey', 1]]);
    const [placed, deleted] = await Promise.all([
      placeOrder(deps, checkoutForm(cartId, { marketing: {} })),
      deleteProduct(deps, { productId: 'wool-blend-scarf' }),
    ]);
    expect(deleted.ok).toBe(true);
    // Either the order got in first (and the scarf was sold), or checkout saw it deleted.
    if (!placed.ok) expect(placed.error.message).toMatch(/no longer sold/);
    expect(await lastSent(db(), 'wool-blend-scarf-grey')).toBe('deleted');
    expect(await sellableVariant(db(), 'wool-blend-scarf-grey')).toBeUndefined();
  });
});
