import { describe, expect, it } from 'vitest';
import { type TestEmulator, withEmulator } from '../support/emulator.js';
import { sdkFailure, sdkFor } from '../support/sdk.js';

let emu: TestEmulator;
let sdk: ReturnType<typeof sdkFor>;

withEmulator({ rateLimits: false }, (started) => {
  emu = started;
  sdk = sdkFor(started);
});

const id = (externalId: string) => `$custom:::$default:::${externalId}`;

const itemAttributes = (externalId: string) => ({
  externalId,
  title: `Item ${externalId}`,
  description: 'Made in small batches.',
  url: `https://shop.example/products/${externalId}`,
  price: 25,
});

const job = (type: string, key: string, data: unknown[]) =>
  ({ data: { type, attributes: { [key]: { data } } } }) as never;

const createItems = (externalIds: string[]) =>
  job(
    'catalog-item-bulk-create-job',
    'items',
    externalIds.map((x) => ({ type: 'catalog-item', attributes: itemAttributes(x) })),
  );

describe('catalog bulk jobs through the official SDK', () => {
  it('queues a create job, then completes it with a per-item failure for an existing item', async () => {
    await sdk.catalogs.createCatalogItem({
      data: { type: 'catalog-item', attributes: itemAttributes('bulk-b') },
    } as never);
    const queued = await sdk.catalogs.bulkCreateCatalogItems(createItems(['bulk-a', 'bulk-b', 'bulk-c']));
    expect(queued.response.status).toBe(202);
    expect(queued.body.data.type).toBe('catalog-item-bulk-create-job');
    expect(queued.body.data.attributes).toMatchObject({ status: 'queued', totalCount: 3, completedCount: 0 });

    await emu.settle();
    const done = await sdk.catalogs.getBulkCreateCatalogItemsJob(queued.body.data.id, { include: ['items'] });
    expect(done.body.data.attributes).toMatchObject({
      status: 'complete',
      totalCount: 3,
      completedCount: 2,
      failedCount: 1,
    });
    expect(done.body.data.attributes.completedAt).toBeTruthy();
    expect(done.body.data.attributes.errors).toEqual([
      expect.objectContaining({
        code: 'conflict',
        source: { pointer: '/data/attributes/items/data/1/attributes/external_id' },
      }),
    ]);
    expect(done.body.data.relationships?.items?.data?.map((d) => d.id)).toEqual([id('bulk-a'), id('bulk-c')]);
    expect(done.body.included?.map((i) => i.attributes.title)).toEqual(['Item bulk-a', 'Item bulk-c']);

    const items = await sdk.catalogs.getCatalogItems({
      filter: `any(ids,["${id('bulk-a')}","${id('bulk-c')}"])`,
    });
    expect(items.body.data).toHaveLength(2);
  });

  it('rejects a job of 101 items, or of none, with 400 before queueing it', async () => {
    const many = Array.from({ length: 101 }, (_, i) => `too-many-${i}`);
    const error = await sdkFailure(sdk.catalogs.bulkCreateCatalogItems(createItems(many)));
    expect(error).toMatchObject({
      status: 400,
      errors: [{ code: 'invalid', source: { pointer: '/data/attributes/items/data' } }],
    });
    expect(error.errors[0].detail).toContain('up to 100');
    const none = await sdkFailure(sdk.catalogs.bulkCreateCatalogItems(createItems([])));
    expect(none.status).toBe(400);
    const seen = await emu.inspect();
    expect(seen.jobs.filter((j: any) => j.total_count === 101 || j.total_count === 0)).toEqual([]);
  });

  it('updates and deletes items in bulk, failing only the unknown ones', async () => {
    await sdk.catalogs.bulkCreateCatalogItems(createItems(['upd-1', 'upd-2']));
    await emu.settle();
    const update = await sdk.catalogs.bulkUpdateCatalogItems(
      job('catalog-item-bulk-update-job', 'items', [
        { type: 'catalog-item', id: id('upd-1'), attributes: { price: 30 } },
        { type: 'catalog-item', id: id('upd-missing'), attributes: { price: 30 } },
      ]),
    );
    await emu.settle();
    const updated = await sdk.catalogs.getBulkUpdateCatalogItemsJob(update.body.data.id);
    expect(updated.body.data.attributes).toMatchObject({
      status: 'complete',
      completedCount: 1,
      failedCount: 1,
    });
    expect(updated.body.data.attributes.errors?.[0]).toMatchObject({
      code: 'not_found',
      source: { pointer: '/data/attributes/items/data/1' },
    });
    expect((await sdk.catalogs.getCatalogItem(id('upd-1'))).body.data.attributes.price).toBe(30);

    const remove = await sdk.catalogs.bulkDeleteCatalogItems(
      job('catalog-item-bulk-delete-job', 'items', [
        { type: 'catalog-item', id: id('upd-1') },
        { type: 'catalog-item', id: id('upd-2') },
      ]),
    );
    await emu.settle();
    const removed = await sdk.catalogs.getBulkDeleteCatalogItemsJob(remove.body.data.id);
    expect(removed.body.data.attributes).toMatchObject({
      status: 'complete',
      completedCount: 2,
      failedCount: 0,
    });
    expect((await sdkFailure(sdk.catalogs.getCatalogItem(id('upd-2')))).status).toBe(404);
  });

  it('runs variant and category jobs of each kind', async () => {
    await sdk.catalogs.bulkCreateCatalogItems(createItems(['parent']));
    await emu.settle();
    const variantAttributes = (x: string) => ({
      externalId: x,
      title: `Variant ${x}`,
      description: 'One size.',
      sku: x.toUpperCase(),
      inventoryQuantity: 3,
      price: 12,
      url: `https://shop.example/products/parent?variant=${x}`,
    });
    const variants = await sdk.catalogs.bulkCreateCatalogVariants(
      job('catalog-variant-bulk-create-job', 'variants', [
        {
          type: 'catalog-variant',
          attributes: variantAttributes('parent-s'),
          relationships: { item: { data: { type: 'catalog-item', id: id('parent') } } },
        },
        {
          type: 'catalog-variant',
          attributes: variantAttributes('stray-s'),
          relationships: { item: { data: { type: 'catalog-item', id: id('no-parent') } } },
        },
      ]),
    );
    const categories = await sdk.catalogs.bulkCreateCatalogCategories(
      job('catalog-category-bulk-create-job', 'categories', [
        {
          type: 'catalog-category',
          attributes: { externalId: 'bulk-cat', name: 'Bulk' },
          relationships: { items: { data: [{ type: 'catalog-item', id: id('parent') }] } },
        },
      ]),
    );
    await emu.settle();
    const variantJob = await sdk.catalogs.getBulkCreateVariantsJob(variants.body.data.id, {
      include: ['variants'],
    });
    expect(variantJob.body.data.attributes).toMatchObject({ completedCount: 1, failedCount: 1 });
    expect(variantJob.body.data.attributes.errors?.[0]?.source.pointer).toBe(
      '/data/attributes/variants/data/1/relationships/item/data/id',
    );
    expect(variantJob.body.included?.map((v) => v.id)).toEqual([id('parent-s')]);
    const categoryJob = await sdk.catalogs.getBulkCreateCategoriesJob(categories.body.data.id, {
      include: ['categories'],
    });
    expect(categoryJob.body.data.attributes).toMatchObject({ status: 'complete', completedCount: 1 });
    expect(categoryJob.body.included?.[0]?.attributes.name).toBe('Bulk');
    const members = await sdk.catalogs.getItemIdsForCatalogCategory(id('bulk-cat'));
    expect(members.body.data.map((d) => d.id)).toEqual([id('parent')]);

    const variantUpdate = await sdk.catalogs.bulkUpdateCatalogVariants(
      job('catalog-variant-bulk-update-job', 'variants', [
        { type: 'catalog-variant', id: id('parent-s'), attributes: { inventoryQuantity: 0 } },
      ]),
    );
    const categoryUpdate = await sdk.catalogs.bulkUpdateCatalogCategories(
      job('catalog-category-bulk-update-job', 'categories', [
        { type: 'catalog-category', id: id('bulk-cat'), attributes: { name: 'Bulk Renamed' } },
      ]),
    );
    await emu.settle();
    expect(
      (await sdk.catalogs.getBulkUpdateVariantsJob(variantUpdate.body.data.id)).body.data.attributes.status,
    ).toBe('complete');
    expect(
      (await sdk.catalogs.getBulkUpdateCategoriesJob(categoryUpdate.body.data.id)).body.data.attributes
        .status,
    ).toBe('complete');
    expect(
      (await sdk.catalogs.getCatalogVariant(id('parent-s'))).body.data.attributes.inventoryQuantity,
    ).toBe(0);
    expect((await sdk.catalogs.getCatalogCategory(id('bulk-cat'))).body.data.attributes.name).toBe(
      'Bulk Renamed',
    );

    const variantDelete = await sdk.catalogs.bulkDeleteCatalogVariants(
      job('catalog-variant-bulk-delete-job', 'variants', [{ type: 'catalog-variant', id: id('parent-s') }]),
    );
    const categoryDelete = await sdk.catalogs.bulkDeleteCatalogCategories(
      job('catalog-category-bulk-delete-job', 'categories', [
        { type: 'catalog-category', id: id('bulk-cat') },
      ]),
    );
    await emu.settle();
    expect(
      (await sdk.catalogs.getBulkDeleteVariantsJob(variantDelete.body.data.id)).body.data.attributes,
    ).toMatchObject({
      completedCount: 1,
    });
    expect(
      (await sdk.catalogs.getBulkDeleteCategoriesJob(categoryDelete.body.data.id)).body.data.attributes,
    ).toMatchObject({ completedCount: 1 });
    expect((await sdkFailure(sdk.catalogs.getCatalogCategory(id('bulk-cat')))).status).toBe(404);
  });

  it('lists each kind of job, filtered on status', async () => {
    // One job of each kind; updates and deletes of unknown ids still run to completion.
    const missing = (type: string) => [{ type, id: id('listed-missing') }];
    const variant = { type: 'catalog-variant', id: id('listed-missing'), attributes: { price: 1 } };
    const category = { type: 'catalog-category', id: id('listed-missing'), attributes: { name: 'x' } };
    await sdk.catalogs.bulkCreateCatalogItems(createItems(['listed']));
    await sdk.catalogs.bulkUpdateCatalogItems(
      job('catalog-item-bulk-update-job', 'items', [{ ...missing('catalog-item')[0], attributes: {} }]),
    );
    await sdk.catalogs.bulkDeleteCatalogItems(
      job('catalog-item-bulk-delete-job', 'items', missing('catalog-item')),
    );
    await sdk.catalogs.bulkCreateCatalogVariants(
      job('catalog-variant-bulk-create-job', 'variants', [
        {
          type: 'catalog-variant',
          attributes: {
            externalId: 'listed-s',
            title: 'Listed S',
            description: 'd',
            sku: 'LISTED-S',
            inventoryQuantity: 1,
            price: 1,
            url: 'https://shop.example/listed',
          },
          relationships: { item: { data: { type: 'catalog-item', id: id('listed-missing') } } },
        },
      ]),
    );
    await sdk.catalogs.bulkUpdateCatalogVariants(
      job('catalog-variant-bulk-update-job', 'variants', [variant]),
    );
    await sdk.catalogs.bulkDeleteCatalogVariants(
      job('catalog-variant-bulk-delete-job', 'variants', missing('catalog-variant')),
    );
    await sdk.catalogs.bulkCreateCatalogCategories(
      job('catalog-category-bulk-create-job', 'categories', [
        { type: 'catalog-category', attributes: { externalId: 'listed-cat', name: 'Listed' } },
      ]),
    );
    await sdk.catalogs.bulkUpdateCatalogCategories(
      job('catalog-category-bulk-update-job', 'categories', [category]),
    );
    await sdk.catalogs.bulkDeleteCatalogCategories(
      job('catalog-category-bulk-delete-job', 'categories', missing('catalog-category')),
    );
    await emu.settle();

    const lists = [
      sdk.catalogs.getBulkCreateCatalogItemsJobs({ filter: 'equals(status,"complete")' }),
      sdk.catalogs.getBulkUpdateCatalogItemsJobs(),
      sdk.catalogs.getBulkDeleteCatalogItemsJobs(),
      sdk.catalogs.getBulkCreateVariantsJobs(),
      sdk.catalogs.getBulkUpdateVariantsJobs(),
      sdk.catalogs.getBulkDeleteVariantsJobs(),
      sdk.catalogs.getBulkCreateCategoriesJobs(),
      sdk.catalogs.getBulkUpdateCategoriesJobs(),
      sdk.catalogs.getBulkDeleteCategoriesJobs(),
    ];
    for (const [i, list] of lists.entries()) {
      const { body } = await list;
      expect(body.data.length, `list ${i}`).toBeGreaterThan(0);
      expect(body.data.every((j) => j.attributes.status === 'complete')).toBe(true);
    }
    const queued = await sdk.catalogs.getBulkCreateCatalogItemsJobs({ filter: 'equals(status,"queued")' });
    expect(queued.body.data).toEqual([]);
    const bad = await sdkFailure(
      sdk.catalogs.getBulkCreateCatalogItemsJobs({ filter: 'equals(total_count,3)' }),
    );
    expect(bad).toMatchObject({ status: 400, errors: [{ source: { parameter: 'filter' } }] });
  });

  it('answers 404 for an unknown job or a job of another kind', async () => {
    const unknown = await sdkFailure(sdk.catalogs.getBulkCreateCatalogItemsJob('01J00000000000000000000000'));
    expect(unknown).toMatchObject({ status: 404, errors: [{ code: 'not_found' }] });
    const itemJob = await sdk.catalogs.bulkCreateCatalogItems(createItems(['kind-check']));
    const wrongKind = await sdkFailure(sdk.catalogs.getBulkDeleteCatalogItemsJob(itemJob.body.data.id));
    expect(wrongKind.status).toBe(404);
  });

  it('refuses a new job while 500 are in progress, as the spec caps it', async () => {
    const account = emu.emulator.accounts.get(emu.account.id);
    if (!account) throw new Error('no account');
    // Jobs stuck in `processing` are never picked up by the job runner, so they stay in progress.
    const stuck = Array.from({ length: 500 }, () =>
      account.addJob('catalog-variant-bulk-update-job', 1, () => {}),
    );
    for (const j of stuck) j.attributes.status = 'processing';
    const error = await sdkFailure(sdk.catalogs.bulkCreateCatalogItems(createItems(['one-too-many'])));
    expect(error).toMatchObject({ status: 429, errors: [{ code: 'throttled' }] });
    expect(error.errors[0].detail).toContain('500');
    expect(error.headers['retry-after']).toBe('1');
    for (const j of stuck) account.jobs.delete(j.id);
    expect((await sdk.catalogs.bulkCreateCatalogItems(createItems(['one-too-many']))).response.status).toBe(
      202,
    );
  });
});
