import { describe, expect, it } from 'vitest';
import type { Account } from '../../emulator/store/account.js';
import { KlaviyoApiError } from '../../lib/klaviyo-next/api/errors.js';
import { catalogId, catalogsResource } from '../../lib/klaviyo-next/api/resources/catalogs.js';
import { catalogItem, catalogVariant } from '../support/catalog-fixtures.js';
import { collect } from '../support/collect.js';
import { type TestEmulator, withEmulator } from '../support/emulator.js';
import { klaviyoFor } from '../support/klaviyo.js';

let emu: TestEmulator;
let catalogs: ReturnType<typeof catalogsResource>;
let held: Account;

withEmulator({}, (started) => {
  emu = started;
  catalogs = catalogsResource(klaviyoFor(emu).client);
  held = emu.emulator.accounts.get(emu.account.id) as Account;
});

const idsOf = async (items: AsyncIterable<{ id: string }>) => (await collect(items)).map((r) => r.id);

const heldRecord = (type: string, id: string) => held.collection(type).get(id);

describe('catalogs resource: items, variants, categories', () => {
  it('creates a category and an item in it, then gets and lists them', async () => {
    const category = await catalogs.createCategory({ external_id: 'shirts', name: 'Shirts' });
    expect(category.id).toBe(catalogId('shirts'));
    expect(heldRecord('catalog-category', category.id)?.attributes.name).toBe('Shirts');

    const created = await catalogs.createItem(
      catalogItem('oxford', { categoryIds: [category.id], price: 68 }),
    );
    expect(created.id).toBe(catalogId('oxford'));
    const stored = heldRecord('catalog-item', created.id);
    expect(stored?.attributes).toMatchObject({ title: 'Item oxford', price: 68, published: true });
    expect(stored?.relationships.categories).toEqual([category.id]);

    expect((await catalogs.getItem(created.id)).attributes.title).toBe('Item oxford');
    expect(await idsOf(catalogs.listItems({ categoryId: category.id }))).toEqual([created.id]);
    expect(await idsOf(catalogs.listItems({ titleContains: 'oxford' }))).toEqual([created.id]);
    expect(await idsOf(catalogs.listCategories({ itemId: created.id }))).toEqual([category.id]);
    expect(await idsOf(catalogs.listCategories({ nameContains: 'Shirt' }))).toEqual([category.id]);
  });

  it('updates only the given attributes, and replaces categories when given', async () => {
    const sale = await catalogs.createCategory({ external_id: 'sale', name: 'Sale' });
    const created = await catalogs.createItem(catalogItem('chino', { categoryIds: [] }));
    const updated = await catalogs.updateItem(created.id, { price: 49, published: false }, [sale.id]);
    expect(updated.attributes).toMatchObject({ price: 49, published: false, title: 'Item chino' });
    const stored = heldRecord('catalog-item', created.id);
    expect(stored?.attributes).toMatchObject({ price: 49, published: false, title: 'Item chino' });
    expect(stored?.relationships.categories).toEqual([sale.id]);
    expect(await idsOf(catalogs.listItems({ published: false }))).toEqual([created.id]);

    await catalogs.updateItem(created.id, { title: 'Slim Chino' });
    expect(heldRecord('catalog-item', created.id)?.relationships.categories).toEqual([sale.id]);
    expect(heldRecord('catalog-item', created.id)?.attributes.title).toBe('Slim Chino');
  });

  it('creates variants of an item and lists them by item and by sku', async () => {
    const parent = await catalogs.createItem(catalogItem('tee'));
    const small = await catalogs.createVariant(catalogVariant(parent.id, 'tee-s', { inventory_quantity: 3 }));
    await catalogs.createVariant(catalogVariant(parent.id, 'tee-m'));
    expect(small.id).toBe(catalogId('tee-s'));
    expect(heldRecord('catalog-variant', small.id)?.relationships.item).toEqual([parent.id]);
    expect(heldRecord('catalog-variant', small.id)?.attributes).toMatchObject({
      sku: 'tee-s',
      inventory_quantity: 3,
      inventory_policy: 0,
    });
    const ofTee = await collect(catalogs.listVariants({ itemId: parent.id }));
    expect(ofTee.map((v) => v.attributes.sku).sort()).toEqual(['tee-m', 'tee-s']);
    expect(await idsOf(catalogs.listVariants({ sku: 'tee-m' }))).toEqual([catalogId('tee-m')]);
  });

  it('deletes an item', async () => {
    const doomed = await catalogs.createItem(catalogItem('doomed'));
    await catalogs.deleteItem(doomed.id);
    expect(heldRecord('catalog-item', doomed.id)).toBeUndefined();
    const error = await catalogs.getItem(doomed.id).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(KlaviyoApiError);
    expect(error).toMatchObject({ status: 404, code: 'not_found' });
  });
});

describe('catalogs resource: back in stock', () => {
  it('subscribes a profile to a variant, creating the profile from its email', async () => {
    const parent = await catalogs.createItem(catalogItem('boot'));
    const boot = await catalogs.createVariant(catalogVariant(parent.id, 'boot-42'));
    await catalogs.subscribeBackInStock({
      variantId: boot.id,
      channels: ['EMAIL'],
      profile: { data: { type: 'profile', attributes: { email: 'waiting@example.com' } } },
    });
    const profile = [...held.profiles.values()].find((p) => p.attributes.email === 'waiting@example.com');
    expect(profile).toBeDefined();
    const log = (await emu.inspect()).log.filter(
      (e: { operation: string }) => e.operation === 'create_back_in_stock_subscription',
    );
    expect(log.map((e: { payload: unknown }) => e.payload)).toEqual([
      { variantId: boot.id, channels: ['EMAIL'], profileId: profile?.id },
    ]);
  });

  it('is refused for a variant that does not exist', async () => {
    const error = await catalogs
      .subscribeBackInStock({
        variantId: catalogId('ghost'),
        channels: ['EMAIL'],
        profile: { data: { type: 'profile', attributes: { email: 'ghost@example.com' } } },
      })
      .catch((e: unknown) => e);
    expect(error).toMatchObject({
      status: 400,
      code: 'invalid',
      pointer: '/data/relationships/variant/data/id',
    });
  });
});
