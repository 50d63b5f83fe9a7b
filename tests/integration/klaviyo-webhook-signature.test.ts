import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { signWebhook } from '../../emulator/webhooks/delivery.js';
import type { KlaviyoClient } from '../../lib/klaviyo-next/api/client.js';
import { webhooksResource } from '../../lib/klaviyo-next/api/resources/webhooks.js';
import { verifyKlaviyoWebhook } from '../../lib/klaviyo-next/api/webhook-signature.js';
import { startTestEmulator, type TestEmulator } from '../support/emulator.js';
import { klaviyoFor } from '../support/klaviyo.js';

let emu: TestEmulator;
let client: KlaviyoClient;
let receiver: Server;
const received: { rawBody: Buffer; headers: IncomingHttpHeaders }[] = [];
const secret = 'whsec-delivery';
let webhookId: string;
/** The one delivery the emulator made, exactly as our endpoint received it. */
let delivery: { rawBody: Buffer; headers: IncomingHttpHeaders };

async function placeOrder(email: string, orderId: string) {
  await client.call('create_event', {
    body: {
      data: {
        type: 'event',
        attributes: {
          metric: { data: { type: 'metric', attributes: { name: 'Placed Order' } } },
          backfill: false,
          profile: { data: { type: 'profile', attributes: { email } } },
          properties: { OrderId: orderId },
          unique_id: orderId,
          value: 42,
        },
      },
    },
  });
}

beforeAll(async () => {
  // The receiver is a local http server: the test-only opt-in (Klaviyo requires https endpoints).
  emu = await startTestEmulator({ httpLoopbackWebhooks: true });
  await emu.setRateLimits(false); // webhook operations allow 1/s and 15/m
  client = klaviyoFor(emu, { governor: null }).client;
  receiver = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      received.push({ rawBody: Buffer.concat(chunks), headers: req.headers });
      res.writeHead(200).end();
    });
  });
  await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
  const { port } = receiver.address() as AddressInfo;

  await placeOrder('first@example.com', 'order-0'); // the metric, and so the topic, now exist
  ({ id: webhookId } = await webhooksResource(client).create({
    name: 'orders',
    endpointUrl: `http://127.0.0.1:${port}/hooks/klaviyo`,
    secret,
    topics: ['event:klaviyo.placed_order'],
  }));
  await placeOrder('buyer@example.com', 'order-1');
  await emu.settle();
  expect(received).toHaveLength(1);
  delivery = received[0] as typeof delivery;
});
afterAll(async () => {
  expect(emu.specViolations).toEqual([]);
  await emu.close();
  await new Promise((resolve) => receiver.close(resolve));
});

/** Verifies the delivery, or a changed copy of it, as our webhook route would. */
const verify = (changes: Partial<Parameters<typeof verifyKlaviyoWebhook>[0]> = {}) =>
  verifyKlaviyoWebhook({ rawBody: delivery.rawBody, headers: delivery.headers, secret, ...changes });

describe('verifyKlaviyoWebhook, on a real delivery from the emulator', () => {
  it('accepts the signed delivery and returns its events', async () => {
    const result = verify();
    if (!result.ok) throw new Error(`rejected: ${result.reason}`);
    expect(result.webhookId).toBe(webhookId);
    expect(result.body.meta).toMatchObject({
      klaviyo_account_id: emu.account.id,
      klaviyo_webhook_id: webhookId,
    });
    const [entry] = result.body.data;
    const [event] = (await emu.inspect('?events=full&metric=Placed%20Order')).events.filter(
      (e: { uniqueId: string }) => e.uniqueId === 'order-1',
    );
    expect(entry?.topic).toBe('event:klaviyo.placed_order');
    expect(entry?.external_id).toBe(event.id);
    expect(entry?.payload.data.id).toBe(event.id);
    expect(entry?.payload.data.attributes.event_properties).toMatchObject({ OrderId: 'order-1', $value: 42 });
    // The same check through fetch's Headers and a string body, as a route handler sees them.
    const headers = new Headers(delivery.headers as Record<string, string>);
    expect(verify({ rawBody: delivery.rawBody.toString('utf8'), headers }).ok).toBe(true);
  });

  it('rejects a tampered body and a wrong secret', () => {
    const tampered = Buffer.from(delivery.rawBody.toString('utf8').replace('order-1', 'order-9'));
    const rejected = { ok: false, reason: 'bad_signature' };
    expect(verify({ rawBody: tampered })).toEqual(rejected);
    expect(verify({ secret: 'whsec-other' })).toEqual(rejected);
    expect(verify({ headers: { ...delivery.headers, 'klaviyo-signature': 'abc123' } })).toEqual(rejected);
  });

  it('rejects a timestamp outside the replay window, either way', () => {
    const sentAt = Date.parse(String(delivery.headers['klaviyo-timestamp']));
    expect(verify({ now: sentAt + 4 * 60_000 }).ok).toBe(true);
    expect(verify({ now: sentAt + 6 * 60_000 })).toEqual({ ok: false, reason: 'stale' });
    expect(verify({ now: sentAt - 6 * 60_000 })).toEqual({ ok: false, reason: 'stale' });
    expect(verify({ now: sentAt + 6 * 60_000, toleranceMs: 10 * 60_000 }).ok).toBe(true);
  });

  it('rejects a webhook id header that differs from meta.klaviyo_webhook_id, and missing headers', () => {
    const other = { ...delivery.headers, 'klaviyo-webhook-id': '01HF7AYTK76RHR4F17G6DGTRGF' };
    expect(verify({ headers: other })).toEqual({ ok: false, reason: 'webhook_id_mismatch' });
    const { 'klaviyo-signature': _dropped, ...unsigned } = delivery.headers;
    expect(verify({ headers: unsigned })).toEqual({ ok: false, reason: 'missing_header' });
  });

  it('reads an RFC 1123 timestamp as well, and rejects one in neither form', () => {
    const body = delivery.rawBody.toString('utf8');
    const timestamp = 'Tue, 14 Apr 2026 03:50:12 GMT';
    const headers = {
      'klaviyo-webhook-id': webhookId,
      'klaviyo-timestamp': timestamp,
      'klaviyo-signature': signWebhook(secret, body, timestamp),
    };
    const now = Date.parse('2026-04-14T03:52:00Z');
    expect(verify({ rawBody: body, headers, now }).ok).toBe(true);
    const epoch = { ...headers, 'klaviyo-timestamp': '1776138612' };
    expect(verify({ rawBody: body, headers: epoch, now })).toEqual({ ok: false, reason: 'bad_timestamp' });
  });
});
