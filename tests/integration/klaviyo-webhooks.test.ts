import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Account } from '../../emulator/store/account.js';
import type { KlaviyoClient } from '../../lib/klaviyo-next/api/client.js';
import { KlaviyoApiError } from '../../lib/klaviyo-next/api/errors.js';
import { webhooksResource } from '../../lib/klaviyo-next/api/resources/webhooks.js';
import { startTestEmulator, type TestEmulator } from '../support/emulator.js';
import { klaviyoFor } from '../support/klaviyo.js';

let emu: TestEmulator;
let client: KlaviyoClient;
let webhooks: ReturnType<typeof webhooksResource>;
let held: Account;

beforeAll(async () => {
  emu = await startTestEmulator();
  await emu.setRateLimits(false); // webhook operations allow 1/s and 15/m
  client = klaviyoFor(emu, { governor: null }).client;
  webhooks = webhooksResource(client);
  held = emu.emulator.accounts.get(emu.account.id) as Account;
});
afterAll(async () => {
  expect(emu.specViolations).toEqual([]);
  await emu.close();
});

const newWebhook = (name: string, topics = ['event:klaviyo.opened_email']) => ({
  name,
  endpointUrl: `https://hooks.example.com/klaviyo/${name}`,
  secret: `secret-${name}`,
  topics,
});

describe('webhooks resource', () => {
  it("lists the account's topics, which follow its metrics", async () => {
    const before = await webhooks.topics();
    expect(before).toContain('event:klaviyo.opened_email');
    expect(before).not.toContain('event:klaviyo.refund_issued');
    await client.call('create_event', {
      body: {
        data: {
          type: 'event',
          attributes: {
            metric: { data: { type: 'metric', attributes: { name: 'Refund Issued' } } },
            backfill: false,
            profile: { data: { type: 'profile', attributes: { email: 'refund@example.com' } } },
            properties: {},
          },
        },
      },
    });
    expect(await webhooks.topics()).toContain('event:klaviyo.refund_issued');
  });

  it('creates a webhook, keeps its secret, and gets and lists it with its topics', async () => {
    const created = await webhooks.create({ ...newWebhook('create'), description: 'Orders to the ERP' });
    // Klaviyo truncates the endpoint "for security" to its origin.
    expect(created.attributes).toMatchObject({ name: 'create', endpoint_url: 'https://hooks.example.com' });
    expect(created.attributes.enabled).toBe(true);
    const stored = held.webhooks.get(created.id);
    expect(stored?.secretKey).toBe('secret-create');
    expect(stored?.attributes.endpoint_url).toBe('https://hooks.example.com/klaviyo/create');
    expect(stored?.topics).toEqual(['event:klaviyo.opened_email']);

    const got = await webhooks.get(created.id);
    expect(got.topics).toEqual(['event:klaviyo.opened_email']);
    expect(got.attributes.description).toBe('Orders to the ERP');
    const listed = (await webhooks.list()).find((w) => w.id === created.id);
    expect(listed?.topics).toEqual(['event:klaviyo.opened_email']);
  });

  it('is refused an endpoint that is not https', async () => {
    const error = await webhooks
      .create({ ...newWebhook('plain'), endpointUrl: 'http://hooks.example.com/klaviyo' })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(KlaviyoApiError);
    expect(error).toMatchObject({ status: 400, pointer: '/data/attributes/endpoint_url' });
  });

  it('updates only what is given: name, topics, secret, enabled, description', async () => {
    const { id } = await webhooks.create({ ...newWebhook('update'), description: 'old' });
    await webhooks.update(id, {
      name: 'renamed',
      topics: ['event:klaviyo.clicked_email'],
      secret: 'rotated',
    });
    const stored = held.webhooks.get(id);
    expect(stored?.attributes).toMatchObject({ name: 'renamed', description: 'old', enabled: true });
    expect(stored?.topics).toEqual(['event:klaviyo.clicked_email']);
    expect(stored?.secretKey).toBe('rotated');

    const disabled = await webhooks.update(id, { enabled: false, description: null });
    expect(disabled.attributes).toMatchObject({ enabled: false, name: 'renamed' });
    expect(held.webhooks.get(id)?.attributes.description).toBeNull();
    expect((await webhooks.get(id)).topics).toEqual(['event:klaviyo.clicked_email']);
  });

  it('deletes a webhook', async () => {
    const { id } = await webhooks.create(newWebhook('delete'));
    await webhooks.delete(id);
    expect(held.webhooks.has(id)).toBe(false);
    expect((await webhooks.list()).map((w) => w.id)).not.toContain(id);
    const error = await webhooks.get(id).catch((e: unknown) => e);
    expect(error).toMatchObject({ status: 404, code: 'not_found' });
  });
});
