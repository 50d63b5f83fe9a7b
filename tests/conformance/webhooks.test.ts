import { createHmac, timingSafeEqual } from 'node:crypto';
import { createServer, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { startWebhookDelivery, type WebhookDispatcher } from '../../emulator/webhooks/delivery.js';
import { startTestEmulator, type TestEmulator, withEmulator } from '../support/emulator.js';
import { sdkError, sdkFor } from '../support/sdk.js';

interface Received {
  headers: IncomingHttpHeaders;
  body: string;
}

/** A local endpoint that records what it receives and answers with the queued statuses, then 200. */
async function startReceiver() {
  const received: Received[] = [];
  const statuses: number[] = [];
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      received.push({ headers: req.headers, body: Buffer.concat(chunks).toString('utf8') });
      res.writeHead(statuses.shift() ?? 200);
      res.end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/hooks/klaviyo`,
    received,
    statuses,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

let emu: TestEmulator;
let sdk: ReturnType<typeof sdkFor>;
let receiver: Awaited<ReturnType<typeof startReceiver>>;
let delivery: WebhookDispatcher;

// Webhook endpoints are XS tier (1/s, 15/m); this file makes more calls than that allows.
// Deliveries go to a local http receiver: the test-only opt-in (Klaviyo itself requires https).
withEmulator({ rateLimits: false, httpLoopbackWebhooks: true }, async (started) => {
  emu = started;
  sdk = sdkFor(started);
  receiver = await startReceiver();
  const account = emu.emulator.accounts.get(emu.account.id);
  if (!account) throw new Error('no account');
  // Returns the running dispatcher (and ignores these options) if the emulator already started one.
  delivery = startWebhookDelivery(account, { batchWindowMs: 20, retryDelaysMs: [20, 40, 80] });
});
afterAll(async () => {
  delivery.stop();
  await receiver.close();
});

const SECRET = 'whsec_emulator_test_secret_0123456789';

const webhookBody = (endpointUrl: string, topics: string[], secretKey = SECRET) => ({
  data: {
    type: 'webhook',
    attributes: { name: 'Orders', endpoint_url: endpointUrl, secret_key: secretKey },
    relationships: { 'webhook-topics': { data: topics.map((id) => ({ type: 'webhook-topic', id })) } },
  },
});

const event = (email: string, metric: string, uniqueId: string) => ({
  data: {
    type: 'event',
    attributes: {
      properties: { OrderId: uniqueId },
      unique_id: uniqueId,
      metric: { data: { type: 'metric', attributes: { name: metric } } },
      profile: { data: { type: 'profile', attributes: { email } } },
    },
  },
});

/** One client event-bulk-create request: one profile and Placed Order events with these unique ids. */
function bulkOrders(email: string, uniqueIds: string[]) {
  return {
    data: {
      type: 'event-bulk-create',
      attributes: {
        profile: { data: { type: 'profile', attributes: { email } } },
        events: {
          data: uniqueIds.map((uniqueId) => ({
            type: 'event',
            attributes: {
              properties: { OrderId: uniqueId },
              unique_id: uniqueId,
              metric: { data: { type: 'metric', attributes: { name: 'Placed Order' } } },
            },
          })),
        },
      },
    },
  };
}

const postBulk = (body: unknown) =>
  emu.api(`/client/event-bulk-create?company_id=${emu.account.publicKey}`, { method: 'POST', body });

async function recordedIds(email: string): Promise<string[]> {
  const seen = await emu.inspect('?events=full&metric=Placed Order');
  return seen.events.filter((e: any) => e.email === email).map((e: any) => e.id);
}

const externalIds = (r: Received): string[] => JSON.parse(r.body).data.map((d: any) => d.external_id);

async function createWebhook(topics: string[]): Promise<string> {
  const res = await emu.api('/api/webhooks', { method: 'POST', body: webhookBody(receiver.url, topics) });
  expect(res.status).toBe(201);
  return res.body.data.id;
}

function verify(r: Received, secret = SECRET): boolean {
  const timestamp = String(r.headers['klaviyo-timestamp']);
  const expected = createHmac('sha256', secret).update(r.body).update(timestamp).digest();
  return timingSafeEqual(expected, Buffer.from(String(r.headers['klaviyo-signature']), 'hex'));
}

describe('webhooks through the official SDK', () => {
  it('creates, reads, lists, updates and deletes a webhook and never returns its secret', async () => {
    await emu.api('/api/events', {
      method: 'POST',
      body: event('crud@example.com', 'Placed Order', 'crud-1'),
    });
    const create = await sdk.webhooks.createWebhook({
      data: {
        type: 'webhook',
        attributes: { name: 'Orders', endpointUrl: receiver.url, secretKey: SECRET },
        relationships: {
          webhookTopics: { data: [{ type: 'webhook-topic', id: 'event:klaviyo.placed_order' }] },
        },
      },
    } as never);
    expect(create.response.status).toBe(201);
    const id = create.body.data.id;
    expect(create.body.data.attributes).toMatchObject({ name: 'Orders', enabled: true });
    // "The url to send webhook requests to, truncated for security" (spec): the origin only.
    expect(create.body.data.attributes.endpointUrl).toBe(new URL(receiver.url).origin);
    expect(JSON.stringify(create.response.data)).not.toContain(SECRET);

    const one = await sdk.webhooks.getWebhook(id, { include: ['webhook-topics'] });
    expect(one.body.data.relationships?.webhookTopics?.data).toEqual([
      { type: 'webhook-topic', id: 'event:klaviyo.placed_order' },
    ]);
    expect(one.body.included?.map((t) => t.id)).toEqual(['event:klaviyo.placed_order']);
    expect(JSON.stringify(one.response.data)).not.toContain(SECRET);

    const all = await sdk.webhooks.getWebhooks();
    expect(all.body.data.map((w) => w.id)).toContain(id);
    expect(JSON.stringify(all.response.data)).not.toContain(SECRET);

    const updated = await sdk.webhooks.updateWebhook(id, {
      data: { type: 'webhook', id, attributes: { name: 'Orders v2', enabled: false } },
    } as never);
    expect(updated.body.data.attributes).toMatchObject({ name: 'Orders v2', enabled: false });
    expect(JSON.stringify(updated.response.data)).not.toContain(SECRET);

    expect((await sdk.webhooks.deleteWebhook(id)).response.status).toBe(204);
    const gone = await sdk.webhooks.getWebhook(id).catch(sdkError);
    expect(gone).toMatchObject({ status: 404, errors: [{ code: 'not_found' }] });
  });

  it('lists the standard topics plus one per account metric, with no attributes', async () => {
    await emu.api('/api/events', {
      method: 'POST',
      body: event('topics@example.com', 'Started Checkout', 't-1'),
    });
    const topics = await sdk.webhooks.getWebhookTopics();
    const ids = topics.body.data.map((t) => t.id);
    expect(ids).toEqual(
      expect.arrayContaining([
        'event:klaviyo.sent_sms',
        'event:klaviyo.opened_email',
        'event:klaviyo.subscribed_to_email_marketing',
        'event:klaviyo.started_checkout',
      ]),
    );
    expect((topics.response.data as any).data[0]).not.toHaveProperty('attributes');
    const one = await sdk.webhooks.getWebhookTopic('event:klaviyo.started_checkout');
    expect(one.body.data.id).toBe('event:klaviyo.started_checkout');
    const unknown = await sdk.webhooks.getWebhookTopic('event:klaviyo.nope').catch(sdkError);
    expect(unknown).toMatchObject({ status: 404, errors: [{ code: 'not_found' }] });
  });

  it('rejects an unknown topic, naming it, and a non-https endpoint', async () => {
    const topic = await emu.api('/api/webhooks', {
      method: 'POST',
      body: webhookBody('https://hooks.example.com/k', [
        'event:klaviyo.sent_sms',
        'event:klaviyo.not_a_metric',
      ]),
    });
    expect(topic.status).toBe(400);
    expect(topic.body.errors[0].detail).toContain('event:klaviyo.not_a_metric');
    expect(topic.body.errors[0].source).toEqual({ pointer: '/data/relationships/webhook-topics/data/1/id' });

    const http = await emu.api('/api/webhooks', {
      method: 'POST',
      body: webhookBody('http://hooks.example.com/k', ['event:klaviyo.sent_sms']),
    });
    expect(http.status).toBe(400);
    expect(http.body.errors[0].source).toEqual({ pointer: '/data/attributes/endpoint_url' });
    expect(http.body.errors[0].detail).toContain('https');

    const noSecret = webhookBody('https://hooks.example.com/k', ['event:klaviyo.sent_sms']) as any;
    delete noSecret.data.attributes.secret_key;
    expect((await emu.api('/api/webhooks', { method: 'POST', body: noSecret })).status).toBe(400);
    const empty = webhookBody('https://hooks.example.com/k', ['event:klaviyo.sent_sms'], '');
    expect((await emu.api('/api/webhooks', { method: 'POST', body: empty })).status).toBe(400);
    const listed = (await emu.api('/api/webhooks')).body.data.map((w: any) => w.attributes.endpoint_url);
    expect(listed).not.toContain('https://hooks.example.com');
  });
});

describe('http endpoints', () => {
  // The spec: endpoint_url "Must be https". Only a test opt-in lets a loopback receiver take http.
  afterEach(async () => {
    await emu.control('/webhooks', 'PUT', { httpLoopback: true });
    for (const w of (await emu.api('/api/webhooks')).body.data) {
      await emu.api(`/api/webhooks/${w.id}`, { method: 'DELETE' });
    }
  });

  it('refuses http:// even on loopback, on create and update, unless the test opt-in is on', async () => {
    await emu.api('/api/events', {
      method: 'POST',
      body: event('http@example.com', 'Placed Order', 'http-1'),
    });
    const topics = ['event:klaviyo.placed_order'];
    expect(await emu.control('/webhooks', 'PUT', { httpLoopback: false })).toEqual({ httpLoopback: false });
    for (const url of [receiver.url, 'http://localhost:9/k', 'http://[::1]:9/k']) {
      const refused = await emu.api('/api/webhooks', { method: 'POST', body: webhookBody(url, topics) });
      expect(refused.status, url).toBe(400);
      expect(refused.body.errors[0]).toMatchObject({
        code: 'invalid',
        source: { pointer: '/data/attributes/endpoint_url' },
      });
    }
    const https = await emu.api('/api/webhooks', {
      method: 'POST',
      body: webhookBody('https://hooks.example.com/k', topics),
    });
    expect(https.status).toBe(201);
    const id = https.body.data.id;
    const update = await emu.api(`/api/webhooks/${id}`, {
      method: 'PATCH',
      body: { data: { type: 'webhook', id, attributes: { endpoint_url: receiver.url } } },
    });
    expect(update.status).toBe(400);
    expect(update.body.errors[0].source).toEqual({ pointer: '/data/attributes/endpoint_url' });

    await emu.control('/webhooks', 'PUT', { httpLoopback: true });
    expect(
      (await emu.api('/api/webhooks', { method: 'POST', body: webhookBody(receiver.url, topics) })).status,
    ).toBe(201);
    // The opt-in covers loopback receivers only.
    const remote = await emu.api('/api/webhooks', {
      method: 'POST',
      body: webhookBody('http://hooks.example.com/k', topics),
    });
    expect(remote.status).toBe(400);
  });

  it('a default emulator refuses a loopback http endpoint', async () => {
    const plain = await startTestEmulator({ rateLimits: false });
    try {
      await plain.api('/api/events', { method: 'POST', body: event('d@example.com', 'Placed Order', 'd-1') });
      const refused = await plain.api('/api/webhooks', {
        method: 'POST',
        body: webhookBody(receiver.url, ['event:klaviyo.placed_order']),
      });
      expect(refused.status).toBe(400);
      expect(plain.specViolations).toEqual([]);
    } finally {
      await plain.close();
    }
  });
});

describe('webhook delivery', () => {
  // Tests run shuffled; the Placed Order topic exists once the account has that metric.
  beforeAll(async () => {
    await emu.api('/api/events', { method: 'POST', body: event('seed@example.com', 'Placed Order', 'seed') });
  });
  // Each test starts with no webhooks, nothing in flight and an empty receiver.
  afterEach(async () => {
    for (const w of (await emu.api('/api/webhooks')).body.data) {
      await emu.api(`/api/webhooks/${w.id}`, { method: 'DELETE' });
    }
    await delivery.drain();
    receiver.received.length = 0;
    receiver.statuses.length = 0;
  });

  it('POSTs one signed batch carrying exactly the recorded events once', async () => {
    const id = await createWebhook(['event:klaviyo.placed_order']);
    expect((await postBulk(bulkOrders('batch@example.com', ['b-1', 'b-2', 'b-3']))).status).toBe(202);
    // A duplicate unique_id and an unsubscribed metric must not be delivered.
    await emu.api('/api/events', { method: 'POST', body: event('batch@example.com', 'Placed Order', 'b-1') });
    await emu.api('/api/events', {
      method: 'POST',
      body: event('batch@example.com', 'Viewed Product', 'v-1'),
    });
    await delivery.drain();

    const recorded = await recordedIds('batch@example.com');
    expect(recorded).toHaveLength(3);
    expect(receiver.received).toHaveLength(1);
    const [request] = receiver.received;
    if (!request) throw new Error('no delivery');
    expect(request.headers['content-type']).toBe('application/json');
    expect(request.headers['klaviyo-webhook-id']).toBe(id);
    expect(String(request.headers['klaviyo-timestamp'])).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}/);
    expect(verify(request)).toBe(true);

    const body = JSON.parse(request.body);
    expect(body.meta).toMatchObject({ klaviyo_account_id: emu.account.id, klaviyo_webhook_id: id });
    expect(body.meta.klaviyo_webhook_id).toBe(request.headers['klaviyo-webhook-id']);
    expect(externalIds(request).sort()).toEqual([...recorded].sort());
    for (const item of body.data) {
      expect(item.topic).toBe('event:klaviyo.placed_order');
      const got = await emu.api(`/api/events/${item.external_id}`);
      expect(item.payload.data).toMatchObject({
        type: 'event',
        id: item.external_id,
        attributes: got.body.data.attributes,
      });
    }
  });

  it('flushes a batch when its window closes, without being drained', async () => {
    await createWebhook(['event:klaviyo.placed_order']);
    expect((await postBulk(bulkOrders('window@example.com', ['w-1', 'w-2']))).status).toBe(202);
    await vi.waitFor(() => expect(receiver.received).toHaveLength(1), { timeout: 5_000 });
    const [request] = receiver.received;
    if (!request) throw new Error('no delivery');
    expect(externalIds(request).sort()).toEqual((await recordedIds('window@example.com')).sort());
  });

  it('splits more than 1000 events into batches of at most 1000, each event once', async () => {
    await createWebhook(['event:klaviyo.placed_order']);
    const ids = Array.from({ length: 1000 }, (_, i) => `m-${i}`);
    expect((await postBulk(bulkOrders('many@example.com', ids))).status).toBe(202);
    expect((await postBulk(bulkOrders('many@example.com', ['m-1000']))).status).toBe(202);
    await delivery.drain();
    expect(receiver.received.length).toBeGreaterThanOrEqual(2);
    expect(receiver.received.every((r) => externalIds(r).length <= 1000)).toBe(true);
    const delivered = receiver.received.flatMap(externalIds);
    expect(delivered.sort()).toEqual((await recordedIds('many@example.com')).sort());
    expect(delivered).toHaveLength(1001);
  });

  it('retries a 500 from the receiver with the same body and records every attempt', async () => {
    const id = await createWebhook(['event:klaviyo.placed_order']);
    receiver.statuses.push(500, 503);
    await emu.api('/api/events', { method: 'POST', body: event('retry@example.com', 'Placed Order', 'r-1') });
    await delivery.drain();

    expect(receiver.received).toHaveLength(3);
    expect(new Set(receiver.received.map((r) => r.body)).size).toBe(1);
    expect(receiver.received.every((r) => verify(r))).toBe(true);
    const seen = await emu.inspect();
    const attempts = seen.webhookDeliveries.filter((d: any) => d.webhookId === id);
    expect(attempts.map((d: any) => d.status)).toEqual([500, 503, 200]);
    expect(attempts[0]).toMatchObject({ url: receiver.url, headers: { 'Klaviyo-Webhook-Id': id } });
  });

  it('retries a network error a few times, then gives up', async () => {
    const closed = await startReceiver();
    await closed.close();
    const res = await emu.api('/api/webhooks', {
      method: 'POST',
      body: webhookBody(closed.url, ['event:klaviyo.placed_order']),
    });
    const id = res.body.data.id;
    await emu.api('/api/events', { method: 'POST', body: event('down@example.com', 'Placed Order', 'd-1') });
    await delivery.drain();
    const seen = await emu.inspect();
    const attempts = seen.webhookDeliveries.filter((d: any) => d.webhookId === id);
    expect(attempts.length).toBeGreaterThan(1);
    expect(attempts.every((d: any) => d.status === 'error')).toBe(true);
  });

  it('signs with a secret_key rotated by update_webhook', async () => {
    const id = await createWebhook(['event:klaviyo.placed_order']);
    const rotated = 'whsec_rotated_secret_9876543210';
    const patch = await emu.api(`/api/webhooks/${id}`, {
      method: 'PATCH',
      body: { data: { type: 'webhook', id, attributes: { secret_key: rotated } } },
    });
    expect(patch.status).toBe(200);
    expect(JSON.stringify(patch.body)).not.toContain(rotated);
    await emu.api('/api/events', {
      method: 'POST',
      body: event('rotate@example.com', 'Placed Order', 'k-1'),
    });
    await delivery.drain();
    const [request] = receiver.received;
    if (!request) throw new Error('no delivery');
    expect(verify(request, rotated)).toBe(true);
    expect(verify(request)).toBe(false);
  });

  it('sends nothing to a disabled webhook or for a topic it does not subscribe to', async () => {
    const id = await createWebhook(['event:klaviyo.placed_order']);
    await createWebhook(['event:klaviyo.sent_sms']);
    await emu.api(`/api/webhooks/${id}`, {
      method: 'PATCH',
      body: { data: { type: 'webhook', id, attributes: { enabled: false } } },
    });
    await emu.api('/api/events', { method: 'POST', body: event('off@example.com', 'Placed Order', 'o-1') });
    await delivery.drain();
    expect(receiver.received).toEqual([]);
  });
});
