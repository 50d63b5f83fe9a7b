import sql from 'sql-template-tag';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Account } from '../../emulator/store/account.js';
import type { CatalogProduct } from '../../lib/klaviyo-next/catalog/types.js';
import type { KlaviyoNext } from '../../lib/klaviyo-next/create.js';
import { openPostgres } from '../../lib/klaviyo-next/sql/postgres.js';
import type { SqlDatabase } from '../../lib/klaviyo-next/sql/types.js';
import { catalogKlaviyo, expected, klaviyoCatalogue, OURS, store } from '../support/catalog-sync-fixtures.js';
import { dropPostgres, freshPostgres, freshSqlite } from '../support/databases.js';
import { type TestEmulator, withEmulator } from '../support/emulator.js';
import { describeWithPostgres, TEST_DATABASE_URL } from '../support/requirements.js';

function suite(name: string, open: () => Promise<SqlDatabase>, close: (db: SqlDatabase) => Promise<void>) {
  describe(`catalog sync (${name})`, () => {
    let emu: TestEmulator;
    let db: SqlDatabase;
    let klaviyo: KlaviyoNext;
    const shop = store();
    withEmulator({ rateLimits: false }, (started) => {
      emu = started;
    });
    beforeAll(async () => {
      db = await open();
      klaviyo = catalogKlaviyo(emu, db, { catalog: shop.source });
    });
    afterAll(async () => {
      await close(db);
    });

    const send = async (messages: Parameters<KlaviyoNext['enqueue']>[1]) => {
      await db.transaction((tx) => klaviyo.enqueue(tx, messages));
      await klaviyo.drain(20_000);
    };

    it("a resync on an empty catalogue creates the store's categories, items and variants", async () => {
      const before = await klaviyoCatalogue(emu);
      expect(before.items).toEqual([]);
      const progress: number[] = [];
      const summary = await klaviyo.catalog.resync({ onProgress: (p) => progress.push(p.done) });
      expect(summary.items.created).toBe(4);
      expect(summary.variants.created).toBe(8);
      expect(summary.categories.created).toBe(2);
      expect(summary.failed).toBe(0);
      expect(summary.unfinished).toBe(0);
      expect(progress.at(-1)).toBe(summary.messages);
      expect(await klaviyoCatalogue(emu)).toEqual(expected(shop.categories, shop.products));
    });

    it('a second resync with nothing changed sends nothing', async () => {
      const summary = await klaviyo.catalog.resync();
      expect(summary.messages).toBe(0);
      expect(summary.items.unchanged).toBe(4);
      expect(summary.variants.unchanged).toBe(8);
    });

    it('a price or stock change propagates', async () => {
      const p = shop.products[0] as CatalogProduct;
      p.priceCents = 2500;
      (p.variants[0] as CatalogProduct['variants'][number]).inventoryQuantity = 0;
      (p.variants[1] as CatalogProduct['variants'][number]).priceCents = 2600;
      await send(klaviyo.catalog.productChanged(p));
      expect(await klaviyoCatalogue(emu)).toEqual(expected(shop.categories, shop.products));
    });

    it('many changes to one product in a row send its newest state once', async () => {
      const account = [...emu.emulator.accounts.values()][0] as Account;
      const p = shop.products[0] as CatalogProduct;
      const jobsBefore = account.jobs.size;
      await db.transaction(async (tx) => {
        for (let sold = 1; sold <= 30; sold++) {
          (p.variants[1] as CatalogProduct['variants'][number]).inventoryQuantity = 100 - sold;
          await klaviyo.enqueue(tx, klaviyo.catalog.productChanged(p));
        }
      });
      await klaviyo.drain(20_000);
      expect((await klaviyo.outbox.counts()).pending).toBe(0);
      // One variant update job: the 29 older states were passed over for the newest, in one round.
      expect(account.jobs.size - jobsBefore).toBe(1);
      expect(await klaviyoCatalogue(emu)).toEqual(expected(shop.categories, shop.products));
    });

    it('switches action when Klaviyo knows better: "already exists" updates, "not found" creates', async () => {
      const p = shop.products[2] as CatalogProduct;
      // The plugin forgot what it synced of this product (a restored backup): its creates meet
      // "already exists". (A resync puts the whole table right: it reads Klaviyo's catalogue.)
      await db.query(sql`DELETE FROM klaviyo_catalog_synced WHERE object_id LIKE ${`${p.id}%`}`);
      p.title = 'Known to Klaviyo';
      await send(klaviyo.catalog.productChanged(p));
      // Deleted at Klaviyo behind the plugin's back: its update meets "not found".
      const gone = await emu.api(`/api/catalog-items/${encodeURIComponent(`${OURS}${p.id}`)}`, {
        method: 'DELETE',
      });
      expect(gone.status).toBe(204);
      p.title = 'Back again';
      await send(klaviyo.catalog.productChanged(p));
      expect(await klaviyo.catalog.failures()).toEqual([]);
      expect(await klaviyoCatalogue(emu)).toEqual(expected(shop.categories, shop.products));
    });

    it('a deleted product disappears, with its variants', async () => {
      const gone = shop.products.pop() as CatalogProduct;
      await send(
        klaviyo.catalog.productDeleted(
          gone.id,
          gone.variants.map((v) => v.id),
        ),
      );
      expect(await klaviyoCatalogue(emu)).toEqual(expected(shop.categories, shop.products));
    });

    it('a variant dropped from a product is deleted; a new one created', async () => {
      const p = shop.products[1] as CatalogProduct;
      p.variants = [
        { ...(p.variants[0] as CatalogProduct['variants'][number]) },
        { ...(p.variants[0] as CatalogProduct['variants'][number]), id: `${p.id}-xl`, sku: `SKU-${p.id}-xl` },
      ];
      await send(klaviyo.catalog.productChanged(p));
      expect(await klaviyoCatalogue(emu)).toEqual(expected(shop.categories, shop.products));
    });

    it('a resync deletes what the store no longer has and recreates what vanished at Klaviyo', async () => {
      // Gone from the store without a message; and one variant deleted at Klaviyo behind our back.
      const dropped = shop.products.pop() as CatalogProduct;
      const deleted = await emu.api(`/api/catalog-variants/${encodeURIComponent(`${OURS}p1-l`)}`, {
        method: 'DELETE',
      });
      expect(deleted.status).toBe(204);
      const summary = await klaviyo.catalog.resync();
      expect(summary.items.deleted).toBe(1);
      expect(summary.variants.created).toBe(1);
      expect(summary.failed).toBe(0);
      expect(await klaviyoCatalogue(emu)).toEqual(expected(shop.categories, shop.products));
      shop.products.push(dropped);
      await klaviyo.catalog.resync();
      expect(await klaviyoCatalogue(emu)).toEqual(expected(shop.categories, shop.products));
    });

    it("an item Klaviyo refuses is stored with Klaviyo's error, then syncs once fixed", async () => {
      const p = shop.products[0] as CatalogProduct;
      const fault = await emu.control(`/accounts/${emu.account.id}/catalog-faults`, 'POST', {
        external_id: p.id,
        detail: 'The price is not a valid amount.',
      });
      expect(fault).toBeDefined();
      p.title = 'Renamed';
      await send(klaviyo.catalog.productChanged(p));
      const failures = await klaviyo.catalog.failures();
      expect(failures).toEqual([
        expect.objectContaining({
          type: 'item',
          id: p.id,
          action: 'update',
          code: 'invalid',
          detail: 'The price is not a valid amount.',
          pointer: expect.stringMatching(/^\/data\/attributes\/items\/data\/0/),
        }),
      ]);
      const dead = await klaviyo.outbox.list({ state: 'dead' });
      expect(JSON.stringify(dead)).toContain('The price is not a valid amount.');
      await emu.control(`/accounts/${emu.account.id}/catalog-faults`, 'DELETE');
      await send(klaviyo.catalog.productChanged(p));
      expect(await klaviyo.catalog.failures()).toEqual([]);
      expect(await klaviyoCatalogue(emu)).toEqual(expected(shop.categories, shop.products));
    });

    it('a product Klaviyo refuses at the request is refused alone; the others in its job go', async () => {
      const bad: CatalogProduct = {
        ...structuredClone(shop.products[0] as CatalogProduct),
        id: 'bad',
        variants: [],
      };
      const good: CatalogProduct = {
        ...structuredClone(shop.products[0] as CatalogProduct),
        id: 'good',
        variants: [],
      };
      // A message whose item has no title (the builders refuse one; this one was altered in the
      // outbox): the spec's title is a string, so Klaviyo refuses the whole job, naming the entry.
      const [refused] = klaviyo.catalog.productChanged(bad);
      if (refused?.kind !== 'catalog' || refused.payload.op !== 'product')
        throw new Error('not a product change');
      (refused.payload.item.attributes as { title: unknown }).title = null;
      await send([refused, ...klaviyo.catalog.productChanged(good)]);
      const failures = await klaviyo.catalog.failures();
      expect(failures).toEqual([expect.objectContaining({ type: 'item', id: 'bad', action: 'create' })]);
      expect(failures[0]?.pointer).toMatch(/^\/data\/attributes\/items\/data\/\d+/);
      const items = (await klaviyoCatalogue(emu)).items.map((i) => i.id);
      expect(items).toContain('good');
      expect(items).not.toContain('bad');
      // Put right: the store deletes both; the refusal stays until the object syncs.
      await send([
        ...klaviyo.catalog.productDeleted('good', []),
        ...klaviyo.catalog.productDeleted('bad', []),
      ]);
      await db.query(sql`DELETE FROM klaviyo_catalog_failures`);
      expect(await klaviyoCatalogue(emu)).toEqual(expected(shop.categories, shop.products));
    });

    // Waits out the dispatcher's 2 s hold twice; its SQL is the same on both databases, so SQLite only
    // (the file stays near its time budget).
    it.skipIf(name !== 'SQLite')(
      'a change made while the previous job still runs at Klaviyo waits for it, and the newest wins',
      async () => {
        const account = [...emu.emulator.accounts.values()][0] as Account;
        const p = shop.products[1] as CatalogProduct;
        account.jobQueue.hold = true;
        try {
          p.priceCents = 3333;
          await db.transaction((tx) => klaviyo.enqueue(tx, klaviyo.catalog.productChanged(p)));
          // The round ends while the job waits at Klaviyo: the job is kept, the change held.
          await klaviyo.drain(800);
          const open = await db.query(sql`SELECT job_id FROM klaviyo_catalog_jobs`);
          expect(open).toHaveLength(1);
          p.priceCents = 4444;
          await db.transaction((tx) => klaviyo.enqueue(tx, klaviyo.catalog.productChanged(p)));
          await klaviyo.drain(800);
          expect((await klaviyo.outbox.counts()).pending).toBe(2);
          // Klaviyo works the held jobs, newest first.
          account.jobQueue.order = 'newest-first';
          account.jobQueue.hold = false;
          // The held change is due again once its wait (2 s) is over; then each goes in turn.
          for (let i = 0; i < 40 && (await klaviyo.outbox.counts()).pending > 0; i++) {
            await klaviyo.drain(20_000);
            await new Promise((resolve) => setTimeout(resolve, 200));
          }
        } finally {
          account.jobQueue.hold = false;
          account.jobQueue.order = 'arrival';
        }
        expect((await klaviyo.outbox.counts()).pending).toBe(0);
        expect(await db.query(sql`SELECT job_id FROM klaviyo_catalog_jobs`)).toEqual([]);
        expect(await klaviyoCatalogue(emu)).toEqual(expected(shop.categories, shop.products));
      },
    );

    it('a host whose clock runs an hour ahead does not make its older change win', async () => {
      const ahead = catalogKlaviyo(emu, db, { now: () => Date.now() + 3_600_000 });
      const p = shop.products[2] as CatalogProduct;
      p.priceCents = 5555;
      await db.transaction((tx) => ahead.enqueue(tx, ahead.catalog.productChanged(p)));
      await ahead.drain(20_000);
      p.priceCents = 6666;
      await send(klaviyo.catalog.productChanged(p));
      expect(await klaviyoCatalogue(emu)).toEqual(expected(shop.categories, shop.products));
    });

    it('an older change delivered after a newer one does not win', async () => {
      const p = shop.products[0] as CatalogProduct;
      await emu.control(`/accounts/${emu.account.id}/catalog-faults`, 'POST', {
        external_id: p.id,
        detail: 'Refused.',
      });
      p.priceCents = 1111;
      await send(klaviyo.catalog.productChanged(p));
      const [older] = await klaviyo.outbox.list({ state: 'dead' });
      expect(older).toBeDefined();
      await emu.control(`/accounts/${emu.account.id}/catalog-faults`, 'DELETE');
      p.priceCents = 2222;
      await send(klaviyo.catalog.productChanged(p));
      // The merchant replays the older, refused change after the newer one was delivered.
      await klaviyo.outbox.replay([(older as { id: number }).id]);
      await klaviyo.drain(20_000);
      const now = await klaviyoCatalogue(emu);
      expect(now.items.find((i) => i.id === p.id)?.price).toBe(22.22);
      expect(await klaviyoCatalogue(emu)).toEqual(expected(shop.categories, shop.products));
    });
  });
}

suite('SQLite', freshSqlite, (db) => db.close());
describeWithPostgres('Postgres', () => {
  suite('Postgres', freshPostgres, (db) => dropPostgres(db as SqlDatabase & { schema: string }));
});

describeWithPostgres('two resyncs at once on one Postgres database', () => {
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

  it('leave one consistent catalogue', async () => {
    const instances = [db, other].map((sql) => catalogKlaviyo(emu, sql, { catalog: shop.source }));
    const summaries = await Promise.all(instances.map((k) => k.catalog.resync()));
    for (const s of summaries) expect(s.unfinished).toBe(0);
    expect(await instances[0]?.catalog.failures()).toEqual([]);
    expect(await klaviyoCatalogue(emu)).toEqual(expected(shop.categories, shop.products));
    const again = await instances[1]?.catalog.resync();
    expect(again?.messages).toBe(0);
  });
});
