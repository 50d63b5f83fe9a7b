import { describe, expect, it } from 'vitest';
import type { Account } from '../../emulator/store/account.js';
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
  // The emulator also runs queued jobs on a 50 ms timer; stopping it leaves them queued until
  // `emu.settle()`, so the waiting below is deterministic.
  clearInterval((emu.emulator as unknown as { jobTimer: NodeJS.Timeout }).jobTimer);
});

const heldRecord = (type: string, id: string) => held.collection(type).get(id);
const requests = async (operation: string): Promise<number> => (await emu.inspect()).requests[operation] ?? 0;

describe('catalogs resource: bulk jobs', () => {
  it('sends 250 items as jobs of 100, 100 and 50 and waits for each to complete', async () => {
    const before = await requests('bulk_create_catalog_items');
    const items = Array.from({ length: 250 }, (_, i) => catalogItem(`bulk-${i}`));
    const jobs = await catalogs.bulkCreateItems(items);
    expect(await requests('bulk_create_catalog_items')).toBe(before + 3);
    expect(jobs.map((j) => [j.attributes.status, j.attributes.total_count])).toEqual([
      ['queued', 100],
      ['queued', 100],
      ['queued', 50],
    ]);
    expect(heldRecord('catalog-item', catalogId('bulk-0'))).toBeUndefined();

    const sleeps: number[] = [];
    const sleep = async (ms: number) => {
      sleeps.push(ms);
      await emu.settle();
    };
    const done = [];
    for (const job of jobs) done.push(await catalogs.waitForJob(job, { sleep, intervalMs: 5 }));
    // The first job was queued when first polled; settling during its wait ran all three.
    expect(sleeps).toEqual([5]);
    expect(
      done.map((j) => [j.attributes.status, j.attributes.completed_count, j.attributes.failed_count]),
    ).toEqual([
      ['complete', 100, 0],
      ['complete', 100, 0],
      ['complete', 50, 0],
    ]);
    for (let i = 0; i < 250; i++) expect(heldRecord('catalog-item', catalogId(`bulk-${i}`))).toBeDefined();
  });

  it('sends variants in jobs of 100 and reports the entries that failed', async () => {
    const parent = await catalogs.createItem(catalogItem('sock'));
    const variants = Array.from({ length: 120 }, (_, i) => catalogVariant(parent.id, `sock-${i}`));
    variants[7] = catalogVariant(catalogId('no-such-item'), 'orphan');
    const jobs = await catalogs.bulkCreateVariants(variants);
    expect(jobs.map((j) => j.attributes.total_count)).toEqual([100, 20]);
    await emu.settle();
    const [first, second] = await Promise.all(jobs.map((job) => catalogs.waitForJob(job)));
    expect(first?.attributes).toMatchObject({ status: 'complete', completed_count: 99, failed_count: 1 });
    expect(first?.attributes.errors?.[0]?.source.pointer).toBe(
      '/data/attributes/variants/data/7/relationships/item/data/id',
    );
    expect(second?.attributes).toMatchObject({ status: 'complete', completed_count: 20, failed_count: 0 });
    expect((await collect(catalogs.listVariants({ itemId: parent.id }))).length).toBe(119);
  });

  it('gives up after maxPolls while the job is still queued', async () => {
    const [job] = await catalogs.bulkCreateItems([catalogItem('patient')]);
    if (!job) throw new Error('No job was queued.');
    const sleeps: number[] = [];
    const sleep = async (ms: number) => {
      sleeps.push(ms);
    };
    await expect(catalogs.waitForJob(job, { sleep, maxPolls: 3 })).rejects.toThrow(
      `Catalog job ${job.id} is still queued after 3 polls.`,
    );
    expect(sleeps).toEqual([1000, 1000]);
    await emu.settle();
    expect((await catalogs.waitForJob(job)).attributes.status).toBe('complete');
  });
});
