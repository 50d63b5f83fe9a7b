import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CONSENT_TOPIC_IDS } from '../../lib/klaviyo-next/webhooks/consent-items.js';
import { dropPostgres, freshPostgres } from '../support/databases.js';
import { type TestEmulator, withEmulator } from '../support/emulator.js';
import {
  eventually,
  inboxRows,
  postDelivery,
  receiverInstance,
  recordingSink,
  registerWebhook,
  serveRoute,
  signedHeaders,
} from '../support/webhook-fixtures.js';

/**
 * Two app instances on one Postgres database (two hosts behind a load balancer) get the same batch
 * at once, as a redelivery racing the first delivery would; then both process the inbox at once.
 * Each item is stored once and reaches the host's sink once.
 */

let emu: TestEmulator;
withEmulator({ rateLimits: false, httpLoopbackWebhooks: true }, (started) => {
  emu = started;
});

let db: Awaited<ReturnType<typeof freshPostgres>>;
beforeAll(async () => {
  db = await freshPostgres();
});
afterAll(async () => {
  if (db) await dropPostgres(db);
});

/** Receives the emulator's deliveries and keeps them unprocessed: the batch under test. */
async function captureBatch(): Promise<{ body: string; webhookId: string }> {
  const bodies: { body: string; webhookId: string }[] = [];
  const server = createServer(async (req, res) => {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    bodies.push({
      body: Buffer.concat(chunks).toString('utf8'),
      webhookId: String(req.headers['klaviyo-webhook-id']),
    });
    res.writeHead(200).end();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`;
  const id = await registerWebhook(emu, url, CONSENT_TOPIC_IDS);
  // 60 shoppers subscribe in one job: one batch of 60 Subscribed to Email Marketing items.
  const profiles = Array.from({ length: 60 }, (_, i) => ({
    type: 'profile',
    attributes: {
      email: `pg-${i}@example.com`,
      subscriptions: { email: { marketing: { consent: 'SUBSCRIBED' } } },
    },
  }));
  const res = await emu.api('/api/profile-subscription-bulk-create-jobs', {
    method: 'POST',
    body: {
      data: { type: 'profile-subscription-bulk-create-job', attributes: { profiles: { data: profiles } } },
    },
  });
  expect(res.status).toBe(202);
  await emu.settle();
  await emu.api(`/api/webhooks/${id}`, { method: 'DELETE' });
  await new Promise<void>((resolve) => server.close(() => resolve()));
  expect(bodies).toHaveLength(1);
  const [batch] = bodies;
  if (!batch) throw new Error('no batch');
  return batch;
}

describe('one batch, two app instances, one Postgres database', () => {
  it('stores and applies each item once when both receive it and both process at once', async () => {
    const batch = await captureBatch();
    const ids = (JSON.parse(batch.body).data as { external_id: string }[]).map((i) => i.external_id);
    expect(ids).toHaveLength(60);

    const shared = recordingSink();
    const a = receiverInstance(emu, db, shared.sink);
    const b = receiverInstance(emu, db, shared.sink);
    const [routeA, routeB] = await Promise.all([
      serveRoute((r) => a.klaviyo.routes.webhooks.POST(r)),
      serveRoute((r) => b.klaviyo.routes.webhooks.POST(r)),
    ]);
    try {
      const stamp = new Date().toISOString();
      const headers = signedHeaders(batch.webhookId, batch.body, stamp);
      const answers = await Promise.all([
        postDelivery(routeA.url, batch.body, headers),
        postDelivery(routeB.url, batch.body, headers),
        postDelivery(routeA.url, batch.body, headers),
        postDelivery(routeB.url, batch.body, headers),
      ]);
      expect(answers.map((x) => x.status)).toEqual([200, 200, 200, 200]);
      expect(answers.reduce((n, x) => n + x.body.stored, 0)).toBe(60);

      // Each instance's after-response drain ran; both drain again at once too.
      await Promise.all([a.klaviyo.webhooks.processor?.drain(), b.klaviyo.webhooks.processor?.drain()]);
      const rows = await eventually(
        () => inboxRows(db),
        (r) => r.length === 60 && r.every((row) => row.state === 'done'),
      );
      expect(rows.map((r) => Number(r.attempts))).toEqual(rows.map(() => 1));
      expect(shared.state.calls).toBe(60);
      expect(shared.state.applied.map((c) => c.externalId).sort()).toEqual([...ids].sort());
    } finally {
      await routeA.stop();
      await routeB.stop();
    }
  });
});
