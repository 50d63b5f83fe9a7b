import sql from 'sql-template-tag';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Account } from '../../emulator/store/account.js';
import type { CatalogProduct } from '../../lib/klaviyo-next/catalog/types.js';
import type { KlaviyoNext } from '../../lib/klaviyo-next/create.js';
import { openPostgres } from '../../lib/klaviyo-next/sql/postgres.js';
import type { SqlDatabase } from '../../lib/klaviyo-next/sql/types.js';
import { catalogKlaviyo, expected, klaviyoCatalogue, store } from '../support/catalog-sync-fixtures.js';
import { dropPostgres, freshPostgres, freshSqlite } from '../support/databases.js';
import { type TestEmulator, withEmulator } from '../support/emulator.js';
import { describeWithPostgres, TEST_DATABASE_URL } from '../support/requirements.js';

type Variant = CatalogProduct['variants'][number];

/** Stock changes through marks (catalog/stock-marks.ts): a sale marks, delivery sends the state. */
function suite(name: string, open: () => Promise<SqlDatabase>, close: (db: SqlDatabase) => Promise<void>) {
  describe(`catalog stock marks (${name})`, () => {
    let emu: TestEmulator;
    let db: SqlDatabase;
    let klaviyo: KlaviyoNext;
    const shop = store();
    const logged: string[] = [];
    withEmulator({ rateLimits: false }, (started) => {
      emu = started;
    });
    beforeAll(async () => {
      db = await open();
      klaviyo = catalogKlaviyo(emu, db, { catalog: shop.source, log: (event) => logged.push(event) });
      await klaviyo.catalog.resync();
    });
    afterAll(async () => close(db));

    const p1 = () => shop.products[0] as CatalogProduct;
    const sell = (product: CatalogProduct, variant: Variant) =>
      db.transaction(async (tx) => {
        variant.inventoryQuantity -= 1;
        await klaviyo.catalog.stockChanged(tx, [{ productId: product.id, variantId: variant.id }]);
      });
    const catalogMessages = async () =>
      Number(
        (
          await db.query<{ n: number | string }>(
            sql`SELECT COUNT(*) AS n FROM klaviyo_outbox WHERE kind = 'catalog'`,
          )
        )[0]?.n,
      );
    const marks = () =>
      db.query<{ variant_id: string; version: number | string }>(
        sql`SELECT variant_id, version FROM klaviyo_catalog_stock_marks ORDER BY variant_id`,
      );

    it('twenty sales of one product send its stock once, at the level the last sale left', async () => {
      const before = await catalogMessages();
      const account = [...emu.emulator.accounts.values()][0] as Account;
      const jobsBefore = account.jobs.size;
      const [small, large] = p1().variants as [Variant, Variant];
      for (let i = 0; i < 20; i++) await sell(p1(), i % 2 ? small : large);
      expect(await marks()).toEqual([
        { variant_id: large.id, version: expect.toSatisfy((v) => Number(v) === 10) },
        { variant_id: small.id, version: expect.toSatisfy((v) => Number(v) === 10) },
      ]);
      await klaviyo.drain(20_000);
      expect(await catalogMessages()).toBe(before + 1);
      expect(account.jobs.size - jobsBefore).toBe(1);
      expect(await marks()).toEqual([]);
      expect(await klaviyoCatalogue(emu)).toEqual(expected(shop.categories, shop.products));
    });

    it('a sale committed while a flush reads the product keeps its mark, and the next flush sends it too', async () => {
      const variant = p1().variants[0] as Variant;
      await sell(p1(), variant);
      const read = shop.source.product;
      let raced = false;
      shop.source.product = async (id) => {
        const now = await read(id);
        if (!raced) {
          raced = true;
          await sell(p1(), variant); // after the flush read the product, before it removes the mark
        }
        return now;
      };
      try {
        expect(await klaviyo.catalog.flushStock()).toBe(1);
      } finally {
        shop.source.product = read;
      }
      expect(await marks()).toEqual([
        { variant_id: variant.id, version: expect.toSatisfy((v) => Number(v) === 2) },
      ]);
      await klaviyo.drain(20_000);
      expect(await marks()).toEqual([]);
      expect(await klaviyoCatalogue(emu)).toEqual(expected(shop.categories, shop.products));
    });

    it('a price change committed while a flush reads the product is not overtaken by that older read', async () => {
      const product = p1();
      const variant = product.variants[0] as Variant;
      await sell(product, variant);
      const read = shop.source.product;
      let raced = false;
      shop.source.product = async (id) => {
        const before = await read(id);
        if (!raced) {
          raced = true;
          // The merchant's edit, as a host makes it: the change enqueued and the product marked.
          await db.transaction(async (tx) => {
            product.priceCents = 4321;
            await klaviyo.enqueue(tx, klaviyo.catalog.productChanged(product));
            await klaviyo.catalog.stockChanged(
              tx,
              product.variants.map((v) => ({ productId: product.id, variantId: v.id })),
            );
          });
          // Another process flushing meanwhile waits for the lease instead of overlapping.
          expect(await klaviyo.catalog.flushStock()).toBe(0);
        }
        return before;
      };
      try {
        await klaviyo.catalog.flushStock(); // enqueues the older read, after the edit
      } finally {
        shop.source.product = read;
      }
      expect((await marks()).length).toBeGreaterThan(0);
      await klaviyo.drain(20_000);
      expect(await marks()).toEqual([]);
      const now = await klaviyoCatalogue(emu);
      expect(now.items.find((i) => i.id === product.id)?.price).toBe(43.21);
      expect(now).toEqual(expected(shop.categories, shop.products));
    });

    it('a product the sync cannot send is skipped and logged; the others go', async () => {
      const bad = shop.products[1] as CatalogProduct;
      const good = shop.products[2] as CatalogProduct;
      const price = bad.priceCents;
      bad.priceCents = -1;
      try {
        await sell(bad, bad.variants[0] as Variant);
        await sell(good, good.variants[0] as Variant);
        await klaviyo.drain(20_000);
        expect(logged).toContain('catalog.stock_skipped');
        expect(await marks()).toEqual([]);
        const now = await klaviyoCatalogue(emu);
        expect(now.variants.find((v) => v.id === good.variants[0]?.id)?.inventory).toBe(
          good.variants[0]?.inventoryQuantity,
        );
        expect(now.variants.find((v) => v.id === bad.variants[0]?.id)?.inventory).toBe(
          (bad.variants[0]?.inventoryQuantity ?? 0) + 1,
        );
      } finally {
        bad.priceCents = price;
      }
    });

    it('a mark rolls back with the sale that made it', async () => {
      const variant = p1().variants[1] as Variant;
      await expect(
        db.transaction(async (tx) => {
          await klaviyo.catalog.stockChanged(tx, [{ productId: p1().id, variantId: variant.id }]);
          throw new Error('the order failed');
        }),
      ).rejects.toThrow('the order failed');
      expect(await marks()).toEqual([]);
    });
  });
}

suite('SQLite', freshSqlite, (db) => db.close());
describeWithPostgres('Postgres', () => {
  suite('Postgres', freshPostgres, (db) => dropPostgres(db as SqlDatabase & { schema: string }));
});

describeWithPostgres('two instances flushing the same marks at once on Postgres', () => {
  let emu: TestEmulator;
  let db: SqlDatabase & { schema: string };
  let other: SqlDatabase;
  const shop = store();
  withEmulator({ rateLimits: false }, (started) => {
    emu = started;
  });
  beforeAll(async () => {
    db = await freshPostgres();
    other = openPostgres(TEST_DATABASE_URL, { schema: db.schema, max: 5 });
  });
  afterAll(async () => {
    await other.close();
    await dropPostgres(db);
  });

  it('leave no mark and Klaviyo at the store’s stock', async () => {
    const [first, second] = [db, other].map((sql) => catalogKlaviyo(emu, sql, { catalog: shop.source })) as [
      KlaviyoNext,
      KlaviyoNext,
    ];
    await first.catalog.resync();
    const [last] = await db.query<{ id: number | string }>(sql`SELECT MAX(id) AS id FROM klaviyo_outbox`);
    await db.transaction((tx) =>
      first.catalog.stockChanged(
        tx,
        shop.products.map((p) => ({ productId: p.id, variantId: p.variants[0]?.id ?? '' })),
      ),
    );
    for (const p of shop.products) (p.variants[0] as Variant).inventoryQuantity = 7;
    // Both read the same marks; each product is enqueued by one of them or by both (a duplicate the
    // deliverer passes over), never by neither.
    await Promise.all([first.catalog.flushStock(), second.catalog.flushStock()]);
    const rows = await db.query<{ n: number | string }>(
      sql`SELECT COUNT(DISTINCT order_key) AS n FROM klaviyo_outbox WHERE kind = 'catalog' AND id > ${Number(last?.id)}`,
    );
    expect(Number(rows[0]?.n)).toBe(shop.products.length);
    expect(await db.query(sql`SELECT variant_id FROM klaviyo_catalog_stock_marks`)).toEqual([]);
    await Promise.all([first.drain(20_000), second.drain(20_000)]);
    expect(await klaviyoCatalogue(emu)).toEqual(expected(shop.categories, shop.products));
  });
});
