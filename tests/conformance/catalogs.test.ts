import { describe, expect, it } from 'vitest';
import { type TestEmulator, withEmulator } from '../support/emulator.js';
import { sdkFailure, sdkFor } from '../support/sdk.js';

let emu: TestEmulator;
let sdk: ReturnType<typeof sdkFor>;

// These tests create many resources quickly; rate limits have their own tests.
withEmulator({ rateLimits: false }, (started) => {
  emu = started;
  sdk = sdkFor(started);
});

const id = (externalId: string) => `$custom:::$default:::${externalId}`;

const item = (externalId: string, attributes: Record<string, unknown> = {}, categories: string[] = []) =>
  ({
    data: {
      type: 'catalog-item',
      attributes: {
        externalId,
        title: `Item ${externalId}`,
        description: 'A useful thing.',
        url: `https://shop.example/products/${externalId}`,
        ...attributes,
      },
      ...(categories.length
        ? {
            relationships: {
              categories: { data: categories.map((c) => ({ type: 'catalog-category', id: c })) },
            },
          }
        : {}),
    },
  }) as never;

const variant = (externalId: string, itemId: string, attributes: Record<string, unknown> = {}) =>
  ({
    data: {
      type: 'catalog-variant',
      attributes: {
        externalId,
        title: `Variant ${externalId}`,
        description: 'A size of a useful thing.',
        sku: externalId.toUpperCase(),
        inventoryQuantity: 5,
        price: 20,
        url: `https://shop.example/products/${externalId}`,
        ...attributes,
      },
      relationships: { item: { data: { type: 'catalog-item', id: itemId } } },
    },
  }) as never;

const category = (externalId: string, name: string, items: string[] = []) =>
  ({
    data: {
      type: 'catalog-category',
      attributes: { externalId, name },
      ...(items.length
        ? { relationships: { items: { data: items.map((i) => ({ type: 'catalog-item', id: i })) } } }
        : {}),
    },
  }) as never;

const refs = (type: string, ids: string[]) => ({ data: ids.map((i) => ({ type, id: i })) }) as never;

describe('catalog items', () => {
  it('creates an item under its compound id with defaults, updates it and deletes it', async () => {
    const created = await sdk.catalogs.createCatalogItem(item('crud-tee', { price: 32 }));
    expect(created.response.status).toBe(201);
    expect(created.body.data.id).toBe(id('crud-tee'));
    expect(created.body.data.attributes).toMatchObject({
      externalId: 'crud-tee',
      price: 32,
      published: true,
      images: [],
      imageFullUrl: null,
    });

    const updated = await sdk.catalogs.updateCatalogItem(id('crud-tee'), {
      data: {
        type: 'catalog-item',
        id: id('crud-tee'),
        attributes: { title: 'Crud Tee v2', published: false },
      },
    } as never);
    expect(updated.body.data.attributes).toMatchObject({ title: 'Crud Tee v2', published: false, price: 32 });

    const fetched = await sdk.catalogs.getCatalogItem(id('crud-tee'));
    expect(fetched.body.data.attributes.title).toBe('Crud Tee v2');

    expect((await sdk.catalogs.deleteCatalogItem(id('crud-tee'))).response.status).toBe(204);
    const gone = await sdkFailure(sdk.catalogs.getCatalogItem(id('crud-tee')));
    expect(gone).toMatchObject({ status: 404, errors: [{ code: 'not_found' }] });
  });

  it('rejects a second item with the same external_id with 409 naming it', async () => {
    await sdk.catalogs.createCatalogItem(item('dup-mug'));
    const error = await sdkFailure(sdk.catalogs.createCatalogItem(item('dup-mug')));
    expect(error.status).toBe(409);
    expect(error.errors[0]).toMatchObject({
      code: 'conflict',
      source: { pointer: '/data/attributes/external_id' },
    });
    expect(error.errors[0].detail).toContain("external_id 'dup-mug' already exists");
  });

  it('rejects an unknown category, a catalog other than $default and a null required field', async () => {
    const unknown = await sdkFailure(
      sdk.catalogs.createCatalogItem(item('orphan', {}, [id('no-such-category')])),
    );
    expect(unknown).toMatchObject({
      status: 400,
      errors: [{ code: 'invalid', source: { pointer: '/data/relationships/categories/data/0/id' } }],
    });
    expect(unknown.errors[0].detail).toContain('no-such-category');

    const catalog = await sdkFailure(
      sdk.catalogs.createCatalogItem(item('other-catalog', { catalogType: 'summer' })),
    );
    expect(catalog).toMatchObject({
      status: 400,
      errors: [{ source: { pointer: '/data/attributes/catalog_type' } }],
    });

    await sdk.catalogs.createCatalogItem(item('null-title'));
    const cleared = await emu.api(`/api/catalog-items/${encodeURIComponent(id('null-title'))}`, {
      method: 'PATCH',
      body: { data: { type: 'catalog-item', id: id('null-title'), attributes: { title: null } } },
    });
    expect(cleared.status).toBe(400);
    expect(cleared.body.errors[0].source.pointer).toBe('/data/attributes/title');
  });

  it('returns 404 for unknown ids on every item endpoint', async () => {
    const missing = id('missing');
    const calls = [
      sdk.catalogs.getCatalogItem(missing),
      sdk.catalogs.updateCatalogItem(missing, {
        data: { type: 'catalog-item', id: missing, attributes: { title: 'x' } },
      } as never),
      sdk.catalogs.deleteCatalogItem(missing),
      sdk.catalogs.getVariantsForCatalogItem(missing),
      sdk.catalogs.getVariantIdsForCatalogItem(missing),
      sdk.catalogs.getCategoriesForCatalogItem(missing),
      sdk.catalogs.getCategoryIdsForCatalogItem(missing),
      sdk.catalogs.addCategoriesToCatalogItem(missing, refs('catalog-category', [])),
    ];
    for (const call of calls) {
      expect(await sdkFailure(call)).toMatchObject({ status: 404, errors: [{ code: 'not_found' }] });
    }
  });

  it('pages with page[size] and full-URL links, and sorts on created', async () => {
    for (let i = 0; i < 5; i++)
      await sdk.catalogs.createCatalogItem(item(`pager-${i}`, { title: `Pager ${i}` }));
    const filter = 'contains(title,"Pager")';
    const first = await sdk.catalogs.getCatalogItems({ filter, pageSize: 2, sort: 'created' });
    expect(first.body.data.map((d) => d.attributes.externalId)).toEqual(['pager-0', 'pager-1']);
    expect(first.body.links?.next).toMatch(
      /^http:\/\/127\.0\.0\.1:\d+\/api\/catalog-items\?.*page%5Bcursor%5D=/,
    );
    const second = await sdk.catalogs.getCatalogItems({
      filter,
      pageSize: 2,
      sort: 'created',
      pageCursor: first.body.links?.next,
    });
    expect(second.body.data.map((d) => d.attributes.externalId)).toEqual(['pager-2', 'pager-3']);

    const newest = await sdk.catalogs.getCatalogItems({ filter, sort: '-created' });
    expect(newest.body.data[0]?.attributes.externalId).toBe('pager-4');
    expect(newest.body.data).toHaveLength(5);

    const tooBig = await sdkFailure(sdk.catalogs.getCatalogItems({ pageSize: 101 }));
    expect(tooBig).toMatchObject({ status: 400, errors: [{ source: { parameter: 'page[size]' } }] });
  });

  it('filters on ids, title, published and category.id, and rejects other fields with 400', async () => {
    await sdk.catalogs.createCatalogCategory(category('filter-cat', 'Filter Cat'));
    await sdk.catalogs.createCatalogItem(item('filter-a', { title: 'Filter Alpha' }, [id('filter-cat')]));
    await sdk.catalogs.createCatalogItem(item('filter-b', { title: 'Filter Beta', published: false }));

    const byIds = await sdk.catalogs.getCatalogItems({
      filter: `any(ids,["${id('filter-a')}","${id('filter-b')}"])`,
    });
    expect(byIds.body.data.map((d) => d.id).sort()).toEqual([id('filter-a'), id('filter-b')]);

    const unpublished = await sdk.catalogs.getCatalogItems({
      filter: 'contains(title,"Filter"),equals(published,false)',
    });
    expect(unpublished.body.data.map((d) => d.id)).toEqual([id('filter-b')]);

    const inCategory = await sdk.catalogs.getCatalogItems({
      filter: `equals(category.id,"${id('filter-cat')}")`,
    });
    expect(inCategory.body.data.map((d) => d.id)).toEqual([id('filter-a')]);

    const badField = await sdkFailure(sdk.catalogs.getCatalogItems({ filter: 'equals(sku,"X")' }));
    expect(badField).toMatchObject({
      status: 400,
      errors: [{ code: 'invalid', source: { parameter: 'filter' } }],
    });
    const badOperator = await sdkFailure(sdk.catalogs.getCatalogItems({ filter: 'equals(title,"Filter")' }));
    expect(badOperator.status).toBe(400);
  });
});

describe('catalog variants', () => {
  it('requires an existing item, then creates, lists, updates and deletes variants', async () => {
    const orphan = await sdkFailure(
      sdk.catalogs.createCatalogVariant(variant('orphan-s', id('no-such-item'))),
    );
    expect(orphan).toMatchObject({
      status: 400,
      errors: [{ code: 'invalid', source: { pointer: '/data/relationships/item/data/id' } }],
    });
    expect(orphan.errors[0].detail).toContain(id('no-such-item'));

    const missingItem = await emu.api('/api/catalog-variants', {
      method: 'POST',
      body: { data: { type: 'catalog-variant', attributes: {} } },
    });
    expect(missingItem.status).toBe(400);

    await sdk.catalogs.createCatalogItem(item('hoodie'));
    const small = await sdk.catalogs.createCatalogVariant(
      variant('hoodie-s', id('hoodie'), { sku: 'HOOD-S' }),
    );
    expect(small.response.status).toBe(201);
    expect(small.body.data.attributes).toMatchObject({ sku: 'HOOD-S', inventoryPolicy: 0, published: true });
    expect(small.body.data.relationships?.item?.data).toEqual({ type: 'catalog-item', id: id('hoodie') });
    await sdk.catalogs.createCatalogVariant(variant('hoodie-m', id('hoodie'), { sku: 'HOOD-M' }));

    const dup = await sdkFailure(sdk.catalogs.createCatalogVariant(variant('hoodie-s', id('hoodie'))));
    expect(dup.status).toBe(409);

    const bySku = await sdk.catalogs.getCatalogVariants({ filter: 'equals(sku,"HOOD-M")' });
    expect(bySku.body.data.map((v) => v.id)).toEqual([id('hoodie-m')]);
    const byItem = await sdk.catalogs.getCatalogVariants({ filter: `equals(item.id,"${id('hoodie')}")` });
    expect(byItem.body.data).toHaveLength(2);
    const ofItem = await sdk.catalogs.getVariantsForCatalogItem(id('hoodie'), { sort: '-created' });
    expect(ofItem.body.data.map((v) => v.id)).toEqual([id('hoodie-m'), id('hoodie-s')]);
    const idsOfItem = await sdk.catalogs.getVariantIdsForCatalogItem(id('hoodie'));
    expect(idsOfItem.body.data).toEqual([
      { type: 'catalog-variant', id: id('hoodie-s') },
      { type: 'catalog-variant', id: id('hoodie-m') },
    ]);

    const updated = await sdk.catalogs.updateCatalogVariant(id('hoodie-s'), {
      data: { type: 'catalog-variant', id: id('hoodie-s'), attributes: { inventoryQuantity: 0, price: 18 } },
    } as never);
    expect(updated.body.data.attributes).toMatchObject({ inventoryQuantity: 0, price: 18, sku: 'HOOD-S' });
    expect(
      (await sdk.catalogs.getCatalogVariant(id('hoodie-s'))).body.data.attributes.inventoryQuantity,
    ).toBe(0);

    expect((await sdk.catalogs.deleteCatalogVariant(id('hoodie-m'))).response.status).toBe(204);
    const gone = await sdkFailure(sdk.catalogs.getCatalogVariant(id('hoodie-m')));
    expect(gone.status).toBe(404);
  });

  it('includes an item’s variants on request and deletes them with the item', async () => {
    await sdk.catalogs.createCatalogItem(item('beanie'));
    await sdk.catalogs.createCatalogVariant(variant('beanie-oat', id('beanie')));
    await sdk.catalogs.createCatalogVariant(variant('beanie-rust', id('beanie')));

    const one = await sdk.catalogs.getCatalogItem(id('beanie'), { include: ['variants'] });
    expect(one.body.data.relationships?.variants?.data?.map((v) => v.id)).toEqual([
      id('beanie-oat'),
      id('beanie-rust'),
    ]);
    expect(one.body.included?.map((v) => v.attributes.sku)).toEqual(['BEANIE-OAT', 'BEANIE-RUST']);

    const list = await sdk.catalogs.getCatalogItems({
      filter: `any(ids,["${id('beanie')}"])`,
      include: ['variants'],
      fieldsCatalogVariant: ['sku'],
    });
    expect(list.body.included?.map((v) => v.attributes)).toEqual([
      { sku: 'BEANIE-OAT' },
      { sku: 'BEANIE-RUST' },
    ]);

    await sdk.catalogs.deleteCatalogItem(id('beanie'));
    const variant404 = await sdkFailure(sdk.catalogs.getCatalogVariant(id('beanie-oat')));
    expect(variant404.status).toBe(404);
  });
});

describe('catalog categories', () => {
  it('creates, filters, updates and deletes categories', async () => {
    await sdk.catalogs.createCatalogItem(item('cat-item-1'));
    const created = await sdk.catalogs.createCatalogCategory(
      category('kitchen', 'Kitchen', [id('cat-item-1')]),
    );
    expect(created.response.status).toBe(201);
    expect(created.body.data).toMatchObject({
      id: id('kitchen'),
      attributes: { externalId: 'kitchen', name: 'Kitchen' },
    });
    expect(created.body.data.links.self).toContain('/api/catalog-categories/');

    const dup = await sdkFailure(sdk.catalogs.createCatalogCategory(category('kitchen', 'Again')));
    expect(dup.status).toBe(409);

    const byName = await sdk.catalogs.getCatalogCategories({ filter: 'contains(name,"Kitch")' });
    expect(byName.body.data.map((c) => c.id)).toEqual([id('kitchen')]);
    const byItem = await sdk.catalogs.getCatalogCategories({
      filter: `equals(item.id,"${id('cat-item-1')}")`,
    });
    expect(byItem.body.data.map((c) => c.id)).toEqual([id('kitchen')]);

    const renamed = await sdk.catalogs.updateCatalogCategory(id('kitchen'), {
      data: { type: 'catalog-category', id: id('kitchen'), attributes: { name: 'Kitchen & Table' } },
    } as never);
    expect(renamed.body.data.attributes.name).toBe('Kitchen & Table');
    expect((await sdk.catalogs.getCatalogCategory(id('kitchen'))).body.data.attributes.name).toBe(
      'Kitchen & Table',
    );

    expect((await sdk.catalogs.deleteCatalogCategory(id('kitchen'))).response.status).toBe(204);
    expect((await sdk.catalogs.getCategoryIdsForCatalogItem(id('cat-item-1'))).body.data).toEqual([]);
    const gone = await sdkFailure(sdk.catalogs.getCatalogCategory(id('kitchen')));
    expect(gone).toMatchObject({ status: 404, errors: [{ code: 'not_found' }] });
  });

  it('adds, replaces and removes a category’s items, seen from both sides', async () => {
    for (const x of ['rel-1', 'rel-2', 'rel-3']) await sdk.catalogs.createCatalogItem(item(x));
    await sdk.catalogs.createCatalogCategory(category('rel-cat', 'Rel'));
    const itemIds = async () =>
      (await sdk.catalogs.getItemIdsForCatalogCategory(id('rel-cat'))).body.data.map((d) => d.id);

    const added = await sdk.catalogs.addItemsToCatalogCategory(
      id('rel-cat'),
      refs('catalog-item', [id('rel-1'), id('rel-2')]),
    );
    expect(added.response.status).toBe(204);
    expect(await itemIds()).toEqual([id('rel-1'), id('rel-2')]);
    const items = await sdk.catalogs.getItemsForCatalogCategory(id('rel-cat'), {
      filter: 'contains(title,"rel-2")',
    });
    expect(items.body.data.map((d) => d.id)).toEqual([id('rel-2')]);

    await sdk.catalogs.updateItemsForCatalogCategory(id('rel-cat'), refs('catalog-item', [id('rel-3')]));
    expect(await itemIds()).toEqual([id('rel-3')]);
    await sdk.catalogs.removeItemsFromCatalogCategory(id('rel-cat'), refs('catalog-item', [id('rel-3')]));
    expect(await itemIds()).toEqual([]);

    await sdk.catalogs.createCatalogCategory(category('rel-cat-2', 'Rel Two'));
    await sdk.catalogs.addCategoriesToCatalogItem(
      id('rel-1'),
      refs('catalog-category', [id('rel-cat'), id('rel-cat-2')]),
    );
    const categories = await sdk.catalogs.getCategoriesForCatalogItem(id('rel-1'));
    expect(categories.body.data.map((c) => c.attributes.name)).toEqual(['Rel', 'Rel Two']);
    expect(await itemIds()).toEqual([id('rel-1')]);

    await sdk.catalogs.updateCategoriesForCatalogItem(
      id('rel-1'),
      refs('catalog-category', [id('rel-cat-2')]),
    );
    const categoryIds = await sdk.catalogs.getCategoryIdsForCatalogItem(id('rel-1'));
    expect(categoryIds.body.data).toEqual([{ type: 'catalog-category', id: id('rel-cat-2') }]);
    await sdk.catalogs.removeCategoriesFromCatalogItem(
      id('rel-1'),
      refs('catalog-category', [id('rel-cat-2')]),
    );
    expect((await sdk.catalogs.getCategoryIdsForCatalogItem(id('rel-1'))).body.data).toEqual([]);
  });

  it('rejects unknown members with 400 and unknown categories with 404', async () => {
    await sdk.catalogs.createCatalogCategory(category('strict-cat', 'Strict'));
    const unknownItem = await sdkFailure(
      sdk.catalogs.addItemsToCatalogCategory(id('strict-cat'), refs('catalog-item', [id('nope')])),
    );
    expect(unknownItem).toMatchObject({ status: 400, errors: [{ source: { pointer: '/data/0/id' } }] });

    const missing = id('no-category');
    const calls = [
      sdk.catalogs.getItemsForCatalogCategory(missing),
      sdk.catalogs.getItemIdsForCatalogCategory(missing),
      sdk.catalogs.updateItemsForCatalogCategory(missing, refs('catalog-item', [])),
      sdk.catalogs.removeItemsFromCatalogCategory(missing, refs('catalog-item', [])),
      sdk.catalogs.deleteCatalogCategory(missing),
    ];
    for (const call of calls) expect((await sdkFailure(call)).status).toBe(404);
  });
});
