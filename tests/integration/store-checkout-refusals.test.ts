import sql, { raw } from 'sql-template-tag';
import { expect, it } from 'vitest';
import type { SqlDatabase } from '../../lib/klaviyo-next/sql/types.js';
import { loadCart } from '../../lib/store/cart.js';
import { setStock, stockOf } from '../../lib/store/inventory.js';
import { placeOrder } from '../../lib/store/orders/place-order.js';
import {
  cartWith,
  checkoutForm,
  countRows,
  onBothDatabases,
  testStoreDeps,
} from '../support/store-fixtures.js';

/** Makes every insert into `table` fail inside the database, as a full disk or lost connection would. */
async function withFailingInserts(db: SqlDatabase, table: string, run: () => Promise<void>) {
  const trigger = `injected_${table}_failure`;
  if (db.dialect === 'sqlite') {
    await db.query(
      raw(
        `CREATE TRIGGER ${trigger} BEFORE INSERT ON ${table} BEGIN SELECT RAISE(ABORT, 'injected ${table} failure'); END`,
      ),
    );
  } else {
    await db.query(
      raw(
        `CREATE OR REPLACE FUNCTION ${trigger}() RETURNS trigger AS $$ BEGIN RAISE EXCEPTION 'injected ${table} failure'; END $$ LANGUAGE plpgsql`,
      ),
    );
    await db.query(
      raw(`CREATE TRIGGER ${trigger} BEFORE INSERT ON ${table} FOR EACH ROW EXECUTE FUNCTION ${trigger}()`),
    );
  }
  try {
    await run();
  } finally {
    await db.query(
      raw(db.dialect === 'sqlite' ? `DROP TRIGGER ${trigger}` : `DROP TRIGGER ${trigger} ON ${table}`),
    );
  }
}

const TEE = 'organic-cotton-tee-m'; // $32
const CHINO = 'relaxed-chino-32'; // $88

onBothDatabases('checkout refusals', (db) => {
  it('enqueues nothing when the order write fails', async () => {
    const d = testStoreDeps(db());
    const cartId = await cartWith(d, [[TEE, 1]]);
    const [outbox, stock] = [await countRows(d.db, 'klaviyo_outbox'), await stockOf(d.db, TEE)];
    await withFailingInserts(d.db, 'store_orders', async () => {
      await expect(placeOrder(d, checkoutForm(cartId))).rejects.toThrow(/injected store_orders failure/);
    });
    expect(await countRows(d.db, 'klaviyo_outbox')).toBe(outbox);
    expect(await stockOf(d.db, TEE)).toBe(stock);
    expect((await loadCart(d.db, cartId))?.status).toBe('open');
    expect(d.deliveries.scheduled).toBe(0);
    expect(await placeOrder(d, checkoutForm(cartId))).toMatchObject({ ok: true }); // and the shopper can retry
  });

  it('keeps no order when its messages cannot be stored', async () => {
    const d = testStoreDeps(db());
    const cartId = await cartWith(d, [[TEE, 1]]);
    const orders = await countRows(d.db, 'store_orders');
    await withFailingInserts(d.db, 'klaviyo_outbox', async () => {
      await expect(placeOrder(d, checkoutForm(cartId))).rejects.toThrow(/injected klaviyo_outbox failure/);
    });
    expect(await countRows(d.db, 'store_orders')).toBe(orders);
    expect((await loadCart(d.db, cartId))?.status).toBe('open');
  });

  it('refuses what the shelf cannot fill, taking no stock and sending nothing', async () => {
    const d = testStoreDeps(db());
    const cartId = await cartWith(d, [
      [CHINO, 1],
      ['quilted-liner-vest-m', 3],
    ]);
    await d.db.transaction((tx) => setStock(tx, 'quilted-liner-vest-m', 2, d.now()));
    const before = await countRows(d.db, 'klaviyo_outbox');
    const chinoStock = await stockOf(d.db, CHINO);
    expect(await placeOrder(d, checkoutForm(cartId))).toEqual({
      ok: false,
      error: { field: 'cartId', message: 'Only 2 of Quilted Liner Vest (M) left.' },
    });
    await d.db.transaction((tx) => setStock(tx, 'quilted-liner-vest-m', 0, d.now()));
    expect(await placeOrder(d, checkoutForm(cartId))).toMatchObject({
      error: { message: 'Quilted Liner Vest (M) is sold out.' },
    });
    expect(await stockOf(d.db, CHINO)).toBe(chinoStock);
    expect(await countRows(d.db, 'klaviyo_outbox')).toBe(before);
  });

  it('takes prices from the catalog and refuses any the client sends', async () => {
    const d = testStoreDeps(db());
    const cartId = await cartWith(d, [[TEE, 1]]);
    // A cart row tampered with directly still cannot carry a price, and an unpublished product cannot be bought.
    await d.db.query(
      sql`INSERT INTO store_cart_lines (cart_id, variant_id, quantity, added_at) VALUES (${cartId}, ${'denim-work-short-32'}, 1, ${d.now()})`,
    );
    const before = await countRows(d.db, 'klaviyo_outbox');
    for (const tampered of [
      { totalCents: 1 },
      { lines: [{ variantId: TEE, priceCents: 1 }] },
      { discountCents: 3200 },
    ]) {
      const result = await placeOrder(d, checkoutForm(cartId, tampered));
      expect(result).toMatchObject({ ok: false, error: { field: Object.keys(tampered)[0] } });
    }
    expect(await placeOrder(d, checkoutForm(cartId))).toMatchObject({
      ok: false,
      error: { field: 'lines.1' },
    });
    expect(await countRows(d.db, 'klaviyo_outbox')).toBe(before);
  });

  it('refuses bad input by field, enqueuing nothing', async () => {
    const d = testStoreDeps(db());
    const cartId = await cartWith(d, [[TEE, 1]]);
    const emptyCart = await cartWith(d, []);
    const before = await countRows(d.db, 'klaviyo_outbox');
    const cases: [unknown, string | undefined][] = [
      [checkoutForm(cartId, { email: undefined }), 'email'],
      [checkoutForm(cartId, { email: 'not-an-email' }), 'email'],
      [checkoutForm(cartId, { firstName: '   ' }), 'firstName'],
      [checkoutForm(cartId, { cartId: 'abc' }), 'cartId'],
      [checkoutForm(crypto.randomUUID()), 'cartId'],
      [checkoutForm(emptyCart), 'cartId'],
      [
        checkoutForm(cartId, { shippingAddress: { address1: 'x', city: 'y', zip: '1', country: 'US' } }),
        'shippingAddress.zip',
      ],
      [
        checkoutForm(cartId, { shippingAddress: { address1: 'x', city: 'y', zip: '10001', country: 'XX' } }),
        'shippingAddress.country',
      ],
      [checkoutForm(cartId, { marketing: { email: 'email-2020-01' } }), 'marketing.email'],
      [checkoutForm(cartId, { phone: 'x'.repeat(33) }), 'phone'],
      [checkoutForm(cartId, { firstName: 'A'.repeat(81) }), 'firstName'],
      [null, undefined],
      [[checkoutForm(cartId)], undefined],
      ['cartId=1', undefined],
    ];
    for (const [input, field] of cases) {
      const result = await placeOrder(d, input);
      expect(result.ok, JSON.stringify(input)).toBe(false);
      if (!result.ok) expect(result.error.field, result.error.message).toBe(field);
    }
    expect(await countRows(d.db, 'klaviyo_outbox')).toBe(before);
    expect(d.deliveries.scheduled).toBe(0);
  });
});
