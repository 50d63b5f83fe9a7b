import { expect, it } from 'vitest';
import { catalogMessages } from '../../lib/klaviyo-next/catalog/messages.js';
import { markStock, type StockMark } from '../../lib/klaviyo-next/catalog/stock-marks.js';
import type { CatalogProduct } from '../../lib/klaviyo-next/catalog/types.js';
import type { SqlExecutor } from '../../lib/klaviyo-next/sql/types.js';
import { DEMO_CATEGORIES, DEMO_PRODUCTS } from '../../lib/store/catalog-data.js';
import { demoCatalogSource } from '../../lib/store/catalog-source.js';
import {
  changePrice,
  deleteProduct,
  setProductPublished,
  setVariantStock,
} from '../../lib/store/products/changes.js';
import { onBothDatabases, STORE_URL, testStoreDeps } from '../support/store-fixtures.js';

/** The demo store as the plugin's catalogue port: what a full resync reads, after the merchant's changes. */
onBothDatabases('the store as a CatalogSource', (db) => {
  async function everything(): Promise<CatalogProduct[]> {
    const all: CatalogProduct[] = [];
    for await (const page of demoCatalogSource({ db: db(), storeUrl: STORE_URL }).products())
      all.push(...page);
    return all;
  }

  it('lists every product, unpublished ones as such, with absolute URLs, prices in cents and stock', async () => {
    const source = demoCatalogSource({ db: db(), storeUrl: STORE_URL });
    expect(await source.categories()).toEqual(DEMO_CATEGORIES.map((c) => ({ id: c.slug, name: c.name })));
    const all = await everything();
    expect(all.map((p) => p.id)).toEqual(DEMO_PRODUCTS.map((p) => p.slug));
    expect(all.find((p) => p.id === 'denim-work-short')?.published).toBe(false);
    const tee = all.find((p) => p.id === 'organic-cotton-tee');
    expect(tee).toMatchObject({
      title: 'Organic Cotton Tee',
      url: `${STORE_URL}/products/organic-cotton-tee`,
      imageUrl: `${STORE_URL}/products/organic-cotton-tee.jpg`,
      priceCents: 3200,
      categoryIds: ['tops'],
      published: true,
    });
    expect(tee?.variants.map((v) => [v.id, v.sku, v.priceCents, v.inventoryQuantity])).toEqual([
      ['organic-cotton-tee-s', 'TEE-S', 3200, 25],
      ['organic-cotton-tee-m', 'TEE-M', 3200, 25],
      ['organic-cotton-tee-l', 'TEE-L', 3200, 25],
      ['organic-cotton-tee-xl', 'TEE-XL', 3200, 0],
    ]);
    expect(tee?.variants[0]).toMatchObject({ title: 'Organic Cotton Tee (S)', url: tee?.url });
  });

  it('reads the merchant’s changes: prices, stock, published state, and leaves deleted products out', async () => {
    const catalog = {
      ...catalogMessages(),
      stockChanged: (tx: SqlExecutor, marks: readonly StockMark[]) => markStock(tx, marks, Date.now()),
    };
    const deps = Object.assign(testStoreDeps(db()), { catalog });
    expect(await changePrice(deps, { variantId: 'relaxed-chino-30', price: '79' })).toMatchObject({
      ok: true,
    });
    expect(await setVariantStock(deps, { variantId: 'relaxed-chino-34', onHand: '3' })).toMatchObject({
      ok: true,
    });
    expect(await setProductPublished(deps, { productId: 'everyday-jogger', published: false })).toMatchObject(
      {
        ok: true,
      },
    );
    expect(await deleteProduct(deps, { productId: 'wool-overshirt' })).toMatchObject({ ok: true });
    const all = await everything();
    const chino = all.find((p) => p.id === 'relaxed-chino');
    expect(chino?.priceCents).toBe(7900); // the lowest variant's, as the storefront's "From"
    expect(chino?.variants.find((v) => v.id === 'relaxed-chino-30')?.priceCents).toBe(7900);
    expect(chino?.variants.find((v) => v.id === 'relaxed-chino-34')?.inventoryQuantity).toBe(3);
    expect(all.find((p) => p.id === 'everyday-jogger')?.variants.every((v) => !v.published)).toBe(true);
    expect(all.some((p) => p.id === 'wool-overshirt')).toBe(false);
    // One product as it is now, for a stock change read when it is delivered.
    const source = demoCatalogSource({ db: db(), storeUrl: STORE_URL });
    expect(await source.product('relaxed-chino')).toEqual(chino);
    expect(await source.product('wool-overshirt')).toBeUndefined();
    expect(await source.product('no-such-product')).toBeUndefined();
  });
});
