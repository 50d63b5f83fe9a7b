import { describe, expect, it } from 'vitest';
import { type TestEmulator, withEmulator } from '../support/emulator.js';

/**
 * Back in stock notifications (GET /__emulator/accounts/:id/back-in-stock-notifications): a write that
 * takes a variant's inventory_quantity from 0 or less to more than 0, through update_catalog_variant
 * or a bulk variant update job, notifies everyone waiting for that variant, once, with the channels
 * they asked for. The catalog starts empty, so each test builds what it needs.
 */
let emu: TestEmulator;

withEmulator({ rateLimits: false }, (started) => {
  emu = started;
});

interface Notification {
  variantId: string;
  profileId: string;
  channels: string[];
  at: string;
}

const id = (externalId: string) => `$custom:::$default:::${externalId}`;

const notifications = async (accountId = emu.account.id): Promise<Notification[]> =>
  (await emu.control(`/accounts/${accountId}/back-in-stock-notifications`)).data;

const forVariant = async (externalId: string) =>
  (await notifications()).filter((n) => n.variantId === id(externalId));

/** An item with one variant per `stock` entry, `<item>-0`, `<item>-1`, ... */
async function product(item: string, stock: number[]): Promise<void> {
  const created = await emu.api('/api/catalog-items', {
    method: 'POST',
    body: {
      data: {
        type: 'catalog-item',
        attributes: {
          external_id: item,
          title: item,
          description: 'A thing.',
          url: `https://shop.example/${item}`,
        },
      },
    },
  });
  expect(created.status, JSON.stringify(created.body)).toBe(201);
  for (const [i, quantity] of stock.entries()) {
    const variant = await emu.api('/api/catalog-variants', {
      method: 'POST',
      body: {
        data: {
          type: 'catalog-variant',
          attributes: {
            external_id: `${item}-${i}`,
            title: `${item} ${i}`,
            description: 'A thing.',
            sku: `${item}-${i}`.toUpperCase(),
            inventory_quantity: quantity,
            price: 20,
            url: `https://shop.example/${item}?v=${i}`,
          },
          relationships: { item: { data: { type: 'catalog-item', id: id(item) } } },
        },
      },
    });
    expect(variant.status, JSON.stringify(variant.body)).toBe(201);
  }
}

let phones = 0;
/** Subscribes `email` (with a phone number of its own, for SMS) and returns the profile id. */
async function subscribe(variant: string, email: string, channels = ['EMAIL']): Promise<string> {
  const phone_number = `+1500555${String(1000 + ++phones).padStart(4, '0')}`;
  const res = await emu.api('/api/back-in-stock-subscriptions', {
    method: 'POST',
    body: {
      data: {
        type: 'back-in-stock-subscription',
        attributes: {
          channels,
          profile: { data: { type: 'profile', attributes: { email, phone_number } } },
        },
        relationships: { variant: { data: { type: 'catalog-variant', id: id(variant) } } },
      },
    },
  });
  expect(res.status, JSON.stringify(res.body)).toBe(202);
  const found = await emu.api(`/api/profiles?filter=${encodeURIComponent(`equals(email,"${email}")`)}`);
  return found.body.data[0].id;
}

const setStock = (variant: string, attributes: Record<string, unknown>) =>
  emu.api(`/api/catalog-variants/${encodeURIComponent(id(variant))}`, {
    method: 'PATCH',
    body: { data: { type: 'catalog-variant', id: id(variant), attributes } },
  });

const bulkUpdate = (entries: [string, number][]) =>
  emu.api('/api/catalog-variant-bulk-update-jobs', {
    method: 'POST',
    body: {
      data: {
        type: 'catalog-variant-bulk-update-job',
        attributes: {
          variants: {
            data: entries.map(([variant, quantity]) => ({
              type: 'catalog-variant',
              id: id(variant),
              attributes: { inventory_quantity: quantity },
            })),
          },
        },
      },
    },
  });

describe('back in stock notifications', () => {
  it('notifies each subscriber of a variant once when a single update restocks it', async () => {
    await product('tee', [0, 0]);
    const ana = await subscribe('tee-0', 'ana@example.com', ['EMAIL']);
    const ben = await subscribe('tee-0', 'ben@example.com', ['SMS']);
    await subscribe('tee-0', 'ana@example.com', ['SMS']); // a second subscription adds a channel
    const cat = await subscribe('tee-1', 'cat@example.com');

    expect((await setStock('tee-0', { price: 22 })).status).toBe(200); // no stock change
    expect(await forVariant('tee-0')).toEqual([]);
    expect((await setStock('tee-0', { inventory_quantity: 5 })).status).toBe(200);
    const sent = await forVariant('tee-0');
    expect(sent.map((n) => [n.profileId, n.channels]).sort()).toEqual(
      [
        [ana, ['EMAIL', 'SMS']],
        [ben, ['SMS']],
      ].sort(),
    );
    expect(Date.parse(sent[0]?.at ?? '')).not.toBeNaN();

    // Those notified have left the waiting list: more stock, or sold out and back, sends nothing.
    await setStock('tee-0', { inventory_quantity: 9 });
    await setStock('tee-0', { inventory_quantity: 0 });
    await setStock('tee-0', { inventory_quantity: 3 });
    expect(await forVariant('tee-0')).toHaveLength(2);
    // The other variant's subscriber still waits.
    expect(await forVariant('tee-1')).toEqual([]);
    await setStock('tee-1', { inventory_quantity: 1 });
    expect((await forVariant('tee-1')).map((n) => n.profileId)).toEqual([cat]);
  });

  it('counts a rise from negative stock (oversold) and not a fall or a change within stock', async () => {
    await product('mug', [-2, 4]);
    const dee = await subscribe('mug-0', 'dee@example.com');
    await subscribe('mug-1', 'eve@example.com'); // subscribed while in stock
    await setStock('mug-1', { inventory_quantity: 8 });
    await setStock('mug-1', { inventory_quantity: 0 });
    expect(await forVariant('mug-1')).toEqual([]);
    await setStock('mug-0', { inventory_quantity: 0 });
    expect(await forVariant('mug-0')).toEqual([]);
    await setStock('mug-0', { inventory_quantity: 2 });
    expect((await forVariant('mug-0')).map((n) => n.profileId)).toEqual([dee]);
  });

  it('notifies through a bulk variant update job when the job runs', async () => {
    await product('cap', [0, 0, 0]);
    const fay = await subscribe('cap-0', 'fay@example.com');
    const gus = await subscribe('cap-2', 'gus@example.com', ['EMAIL', 'SMS']);
    const queued = await bulkUpdate([
      ['cap-0', 6],
      ['cap-1', 6],
      ['cap-2', 0],
      ['cap-missing', 6],
    ]);
    expect(queued.status).toBe(202);
    await emu.settle();
    const job = await emu.api(`/api/catalog-variant-bulk-update-jobs/${queued.body.data.id}`);
    expect(job.body.data.attributes).toMatchObject({
      status: 'complete',
      completed_count: 3,
      failed_count: 1,
    });
    expect((await forVariant('cap-0')).map((n) => n.profileId)).toEqual([fay]);
    expect(await forVariant('cap-2')).toEqual([]);
    expect((await bulkUpdate([['cap-2', 1]])).status).toBe(202);
    await emu.settle();
    expect((await forVariant('cap-2')).map((n) => [n.profileId, n.channels])).toEqual([
      [gus, ['EMAIL', 'SMS']],
    ]);
  });

  it('refuses updates with an unknown attribute or a non-integer quantity, notifying no one', async () => {
    await product('sock', [0]);
    await subscribe('sock-0', 'hal@example.com');
    const misspelt = await setStock('sock-0', { inventory_qty: 5 });
    expect(misspelt.status).toBe(400);
    expect(misspelt.body.errors[0].source.pointer).toBe('/data/attributes/inventory_qty');
    const text = await setStock('sock-0', { inventory_quantity: 'five' });
    expect(text.status).toBe(400);
    expect(text.body.errors[0].source.pointer).toBe('/data/attributes/inventory_quantity');
    const bulkText = await emu.api('/api/catalog-variant-bulk-update-jobs', {
      method: 'POST',
      body: {
        data: {
          type: 'catalog-variant-bulk-update-job',
          attributes: {
            variants: {
              data: [{ type: 'catalog-variant', id: id('sock-0'), attributes: { inventory_quantity: '5' } }],
            },
          },
        },
      },
    });
    expect(bulkText.status).toBe(400);
    await emu.settle();
    expect(await forVariant('sock-0')).toEqual([]);
    const variant = await emu.api(`/api/catalog-variants/${encodeURIComponent(id('sock-0'))}`);
    expect(variant.body.data.attributes.inventory_quantity).toBe(0);
  });

  it('notifies once when two bulk jobs on one variant run in either order', async () => {
    const account = emu.emulator.accounts.get(emu.account.id);
    if (!account) throw new Error('no account');
    for (const order of ['arrival', 'newest-first'] as const) {
      const item = `scarf-${order}`;
      await product(item, [0]);
      const ivy = await subscribe(`${item}-0`, `ivy-${order}@example.com`);
      account.jobQueue.hold = true;
      account.jobQueue.order = order;
      try {
        // One job restocks, the other (sent later) says sold out again: whichever runs first, the
        // variant rises from 0 once, so its subscriber is notified once.
        expect((await bulkUpdate([[`${item}-0`, 4]])).status).toBe(202);
        expect((await bulkUpdate([[`${item}-0`, 0]])).status).toBe(202);
        expect((await bulkUpdate([[`${item}-0`, 7]])).status).toBe(202);
        account.runQueuedJobs({ release: true });
      } finally {
        account.jobQueue.hold = false;
        account.jobQueue.order = 'arrival';
      }
      expect((await forVariant(`${item}-0`)).map((n) => n.profileId)).toEqual([ivy]);
    }
  });

  it('notifies once when a single update and a bulk job restock the same variant at the same time', async () => {
    await product('belt', [0]);
    const jo = await subscribe('belt-0', 'jo@example.com');
    await Promise.all([
      setStock('belt-0', { inventory_quantity: 3 }),
      bulkUpdate([['belt-0', 5]]),
      emu.settle(),
    ]);
    await emu.settle();
    expect((await forVariant('belt-0')).map((n) => n.profileId)).toEqual([jo]);
  });

  it('keeps accounts apart, and forgets the waiting list of a deleted variant', async () => {
    await product('hat', [0, 0]);
    await subscribe('hat-0', 'kim@example.com');
    await subscribe('hat-1', 'lee@example.com');
    const other = await emu.control('/accounts', 'POST', { name: 'Other store' });
    // The other account has no such variant: its key cannot subscribe to or restock this one.
    const headers = {
      Authorization: `Klaviyo-API-Key ${other.privateKey}`,
      revision: '2026-07-15',
      'content-type': 'application/vnd.api+json',
    };
    const restock = await fetch(`${emu.url}/api/catalog-variants/${encodeURIComponent(id('hat-0'))}`, {
      method: 'PATCH',
      headers,
      body: JSON.stringify({
        data: { type: 'catalog-variant', id: id('hat-0'), attributes: { inventory_quantity: 5 } },
      }),
    });
    expect(restock.status).toBe(404);
    expect(await forVariant('hat-0')).toEqual([]);
    expect(await notifications(other.id)).toEqual([]);

    const deleted = await emu.api(`/api/catalog-variants/${encodeURIComponent(id('hat-1'))}`, {
      method: 'DELETE',
    });
    expect(deleted.status).toBe(204);
    const recreated = await emu.api('/api/catalog-variants', {
      method: 'POST',
      body: {
        data: {
          type: 'catalog-variant',
          attributes: {
            external_id: 'hat-1',
            title: 'hat 1',
            description: 'A thing.',
            sku: 'HAT-1',
            inventory_quantity: 0,
            price: 20,
            url: 'https://shop.example/hat?v=1',
          },
          relationships: { item: { data: { type: 'catalog-item', id: id('hat') } } },
        },
      },
    });
    expect(recreated.status).toBe(201);
    await setStock('hat-1', { inventory_quantity: 2 });
    expect(await forVariant('hat-1')).toEqual([]);
    const unknown = await fetch(`${emu.url}/__emulator/accounts/NOSUCH/back-in-stock-notifications`);
    expect(unknown.status).toBe(404);
  });
});
