import { describe, expect, it } from 'vitest';
import { DEMO_CATEGORIES, DEMO_PRODUCTS, seedCatalog } from '../../emulator/seed/catalog.js';
import { seededRandom } from '../../emulator/seed/random.js';
import { Account } from '../../emulator/store/account.js';
import { type TestEmulator, withEmulator } from '../support/emulator.js';
import { sdkFor } from '../support/sdk.js';

let emu: TestEmulator;
let sdk: ReturnType<typeof sdkFor>;

withEmulator({}, (started) => {
  emu = started;
  sdk = sdkFor(started);
  const account = emu.emulator.accounts.get(emu.account.id);
  if (!account) throw new Error('no account');
  seedCatalog(account, seededRandom(20260715));
});

describe('the demo store catalog seed', () => {
  it('serves 24 products with 2-4 variants each in 6 categories', async () => {
    const items = await sdk.catalogs.getCatalogItems({ include: ['variants'] });
    expect(items.body.data).toHaveLength(24);
    expect(DEMO_PRODUCTS).toHaveLength(24);
    for (const item of items.body.data) {
      const variants = item.relationships?.variants?.data ?? [];
      expect(variants.length).toBeGreaterThanOrEqual(2);
      expect(variants.length).toBeLessThanOrEqual(4);
      expect(item.attributes.imageFullUrl).toBe(`/products/${item.attributes.externalId}.jpg`);
    }
    const categories = await sdk.catalogs.getCatalogCategories();
    expect(categories.body.data.map((c) => c.attributes.name)).toEqual(DEMO_CATEGORIES.map((c) => c.name));
    const kitchen = await sdk.catalogs.getItemsForCatalogCategory('$custom:::$default:::kitchen-table');
    expect(kitchen.body.data.length).toBeGreaterThan(0);
  });

  it('has sold-out variants and an unpublished product', async () => {
    const soldOut = await sdk.catalogs.getCatalogVariants({ filter: 'equals(sku,"TEE-XL")' });
    expect(soldOut.body.data[0]?.attributes).toMatchObject({
      inventoryQuantity: 0,
      inventoryPolicy: 1,
      price: 32,
    });
    const unpublished = await sdk.catalogs.getCatalogItems({ filter: 'equals(published,false)' });
    expect(unpublished.body.data.map((i) => i.attributes.externalId)).toEqual(['denim-work-short']);
    const king = await sdk.catalogs.getCatalogVariants({ filter: 'equals(sku,"DUV-KING")' });
    expect(king.body.data[0]?.attributes.price).toBe(249);
  });

  it('is the same on every start', () => {
    const stock = (account: Account) =>
      [...account.collection('catalog-variant').values()].map((v) => [v.id, v.attributes.inventory_quantity]);
    const seed = () => {
      const account = new Account('x', 'Demo', emu.emulator.clock);
      seedCatalog(account, seededRandom(1));
      return stock(account);
    };
    expect(seed()).toEqual(seed());
  });
});
