import { afterEach, describe, expect, it } from 'vitest';
import type { Account } from '../../emulator/store/account.js';
import { type TestEmulator, withEmulator } from '../support/emulator.js';

/**
 * Injected catalog item failures (POST/DELETE /__emulator/accounts/:id/catalog-faults): every bulk job
 * entry for a faulted external_id fails on its own, reported in the job's `errors` as a Klaviyo job
 * reports a failed item (APIJobErrorPayload: code, title, detail, a pointer to the entry), while the
 * rest of the job completes. Responses are checked against the spec by withEmulator.
 */
let emu: TestEmulator;
let account: Account;

withEmulator({ rateLimits: false }, (started) => {
  emu = started;
  const found = emu.emulator.accounts.get(emu.account.id);
  if (!found) throw new Error('no account');
  account = found;
});

const id = (externalId: string) => `$custom:::$default:::${externalId}`;
const faults = (method: string, body?: unknown) =>
  fetch(`${emu.url}/__emulator/accounts/${emu.account.id}/catalog-faults`, {
    method,
    headers: body === undefined ? {} : { 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });

const item = (externalId: string) => ({
  type: 'catalog-item',
  attributes: {
    external_id: externalId,
    title: `Item ${externalId}`,
    description: 'Made in small batches.',
    url: `https://shop.example/products/${externalId}`,
    price: 25,
  },
});

const createItems = (externalIds: string[]) =>
  emu.api('/api/catalog-item-bulk-create-jobs', {
    method: 'POST',
    body: {
      data: {
        type: 'catalog-item-bulk-create-job',
        attributes: { items: { data: externalIds.map(item) } },
      },
    },
  });

const variantJob = (action: 'update' | 'delete', externalIds: string[]) =>
  emu.api(`/api/catalog-variant-bulk-${action}-jobs`, {
    method: 'POST',
    body: {
      data: {
        type: `catalog-variant-bulk-${action}-job`,
        attributes: {
          variants: {
            data: externalIds.map((x) =>
              action === 'update'
                ? { type: 'catalog-variant', id: id(x), attributes: { inventory_quantity: 3 } }
                : { type: 'catalog-variant', id: id(x) },
            ),
          },
        },
      },
    },
  });

async function finished(path: string, jobId: string) {
  await emu.settle();
  return (await emu.api(`${path}/${jobId}`)).body.data;
}

describe('catalog faults', () => {
  afterEach(async () => {
    await faults('DELETE');
  });

  it('fails only the faulted entry of a bulk create, with the given detail at the entry', async () => {
    const set = await faults('POST', { external_id: 'fault-a', detail: 'Price must be a positive number.' });
    expect(set.status).toBe(200);
    expect((await set.json()).data).toEqual([
      { external_id: 'fault-a', detail: 'Price must be a positive number.' },
    ]);

    const queued = await createItems(['ok-1', 'fault-a', 'ok-2']);
    expect(queued.status).toBe(202);
    const job = await finished('/api/catalog-item-bulk-create-jobs', queued.body.data.id);
    expect(job.attributes).toMatchObject({
      status: 'complete',
      total_count: 3,
      completed_count: 2,
      failed_count: 1,
    });
    expect(job.attributes.errors).toEqual([
      {
        id: expect.stringMatching(/^[0-9a-f-]{36}$/),
        code: 'invalid',
        title: 'Invalid input.',
        detail: 'Price must be a positive number.',
        source: { pointer: '/data/attributes/items/data/1' },
      },
    ]);
    expect(job.relationships.items.data.map((r: { id: string }) => r.id)).toEqual([id('ok-1'), id('ok-2')]);
    expect((await emu.api(`/api/catalog-items/${encodeURIComponent(id('fault-a'))}`)).status).toBe(404);

    // The job list shows the same errors, so a client polling either sees why the item failed.
    const listed = await emu.api('/api/catalog-item-bulk-create-jobs');
    const same = listed.body.data.find((j: { id: string }) => j.id === queued.body.data.id);
    expect(same.attributes.errors).toEqual(job.attributes.errors);
  });

  it('fails variant updates and deletes of a faulted external id, and only job entries', async () => {
    const created = await emu.api('/api/catalog-items', { method: 'POST', body: { data: item('shirt') } });
    expect(created.status).toBe(201);
    for (const x of ['shirt-s', 'shirt-m']) {
      const variant = await emu.api('/api/catalog-variants', {
        method: 'POST',
        body: {
          data: {
            type: 'catalog-variant',
            attributes: {
              external_id: x,
              title: x,
              description: 'A shirt.',
              sku: x.toUpperCase(),
              inventory_quantity: 0,
              price: 40,
              url: `https://shop.example/shirt?v=${x}`,
            },
            relationships: { item: { data: { type: 'catalog-item', id: id('shirt') } } },
          },
        },
      });
      expect(variant.status).toBe(201);
    }
    await faults('POST', { external_id: 'shirt-m', detail: 'Variant is locked.' });
    const update = await variantJob('update', ['shirt-s', 'shirt-m']);
    const updated = await finished('/api/catalog-variant-bulk-update-jobs', update.body.data.id);
    expect(updated.attributes).toMatchObject({ completed_count: 1, failed_count: 1 });
    expect(updated.attributes.errors[0]).toMatchObject({
      detail: 'Variant is locked.',
      source: { pointer: '/data/attributes/variants/data/1' },
    });
    const remove = await variantJob('delete', ['shirt-m']);
    const removed = await finished('/api/catalog-variant-bulk-delete-jobs', remove.body.data.id);
    expect(removed.attributes).toMatchObject({ completed_count: 0, failed_count: 1 });
    const kept = await emu.api(`/api/catalog-variants/${encodeURIComponent(id('shirt-m'))}`);
    expect(kept.body.data.attributes.inventory_quantity).toBe(0);
    // A single-resource write is not a job entry: it goes through.
    const single = await emu.api(`/api/catalog-variants/${encodeURIComponent(id('shirt-m'))}`, {
      method: 'PATCH',
      body: { data: { type: 'catalog-variant', id: id('shirt-m'), attributes: { inventory_quantity: 2 } } },
    });
    expect(single.status).toBe(200);
  });

  it('fails every entry of two interleaved jobs naming the faulted id, until the faults are cleared', async () => {
    await faults('POST', { external_id: 'race-x', detail: 'Title is required.' });
    account.jobQueue.hold = true;
    let first: string;
    let second: string;
    try {
      first = (await createItems(['race-x', 'race-y'])).body.data.id;
      second = (await createItems(['race-x'])).body.data.id;
      account.runQueuedJobs({ release: true });
    } finally {
      account.jobQueue.hold = false;
    }
    const path = '/api/catalog-item-bulk-create-jobs';
    expect((await finished(path, first)).attributes).toMatchObject({ completed_count: 1, failed_count: 1 });
    expect((await finished(path, second)).attributes).toMatchObject({ completed_count: 0, failed_count: 1 });

    // A job queued before the fault is cleared but run after it succeeds: faults apply when entries run.
    account.jobQueue.hold = true;
    let third: string;
    try {
      third = (await createItems(['race-x'])).body.data.id;
      expect((await faults('DELETE')).status).toBe(204);
      account.runQueuedJobs({ release: true });
    } finally {
      account.jobQueue.hold = false;
    }
    const done = await finished(path, third);
    expect(done.attributes).toMatchObject({ completed_count: 1, failed_count: 0, errors: [] });
    expect((await (await faults('GET')).json()).data).toEqual([]);
  });

  it('refuses a fault without a usable external_id or detail, and an unknown account', async () => {
    for (const body of [
      { detail: 'x' },
      { external_id: '', detail: 'x' },
      { external_id: 5, detail: 'x' },
      { external_id: 'a' },
      { external_id: 'a', detail: '  ' },
    ]) {
      const res = await faults('POST', body);
      expect(res.status, JSON.stringify(body)).toBe(400);
      const error = (await res.json()).errors[0];
      expect(error.code).toBe('invalid');
      expect(error.detail).toMatch(/'(external_id|detail)' must be a non-empty string/);
    }
    const garbled = await fetch(`${emu.url}/__emulator/accounts/${emu.account.id}/catalog-faults`, {
      method: 'POST',
      body: '{not json',
    });
    expect(garbled.status).toBe(400);
    expect(account.catalogFaults.size).toBe(0);
    const unknown = await fetch(`${emu.url}/__emulator/accounts/NOSUCH/catalog-faults`, {
      method: 'POST',
      body: JSON.stringify({ external_id: 'a', detail: 'b' }),
    });
    expect(unknown.status).toBe(404);
  });
});
