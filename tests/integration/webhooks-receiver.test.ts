import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { SqlDatabase } from '../../lib/klaviyo-next/sql/types.js';
import { CONSENT_TOPIC_IDS } from '../../lib/klaviyo-next/webhooks/consent-items.js';
import { freshSqlite } from '../support/databases.js';
import { type TestEmulator, withEmulator } from '../support/emulator.js';
import {
  deliveriesOf,
  eventually,
  inboxRows,
  PREVIOUS_SECRET,
  postDelivery,
  receiverInstance,
  recordingSink,
  registerWebhook,
  serveRoute,
  shopperAtKlaviyo,
  signedHeaders,
  subscribeAtKlaviyo,
  WEBHOOK_SECRET,
} from '../support/webhook-fixtures.js';

/**
 * The webhook receiver end to end over HTTP: the emulator records consent changes and POSTs them,
 * signed, to the plugin's route served on a loopback port; the route stores them in the inbox on
 * SQLite and the host's sink applies each once.
 */

let emu: TestEmulator;
withEmulator({ rateLimits: false, httpLoopbackWebhooks: true }, (started) => {
  emu = started;
});

let db: SqlDatabase;
const host = recordingSink();
let app: ReturnType<typeof receiverInstance>;
let route: Awaited<ReturnType<typeof serveRoute>>;
let webhookId: string;

beforeAll(async () => {
  db = await freshSqlite();
  app = receiverInstance(emu, db, host.sink);
  route = await serveRoute((request) => app.klaviyo.routes.webhooks.POST(request));
  webhookId = await registerWebhook(emu, route.url, CONSENT_TOPIC_IDS);
});
afterAll(async () => {
  await route?.stop();
  await db?.close();
});
beforeEach(async () => {
  await emu.clock({ release: true });
  host.state.failing = false;
});

const settled = () =>
  eventually(
    () => inboxRows(db),
    (rows) => rows.every((r) => r.state !== 'pending'),
  );

/** The newest delivery the emulator made to our webhook that the route took. */
async function lastAccepted() {
  const all = await deliveriesOf(emu, webhookId);
  const ok = all.filter((d) => d.status === 200);
  const last = ok.at(-1);
  if (!last) throw new Error('no accepted delivery yet');
  return last;
}

describe('accepting real deliveries', () => {
  it('applies a subscribe at the API and an unsubscribe link clicked at Klaviyo, each once and in order', async () => {
    const email = 'Ada.Unsub@Example.com';
    await subscribeAtKlaviyo(emu, { email });
    await emu.settle();
    const { eventsRecorded } = await shopperAtKlaviyo(emu, 'email-unsubscribe-link', { email });
    expect(eventsRecorded).toBe(1);
    await emu.settle();
    await settled();

    const mine = host.state.applied.filter((c) => c.email === email.toLowerCase());
    expect(mine.map((c) => [c.topic, c.channel, c.status])).toEqual([
      ['event:klaviyo.subscribed_to_email_marketing', 'email', 'subscribed'],
      ['event:klaviyo.unsubscribed_from_email_marketing', 'email', 'unsubscribed'],
    ]);
    expect(mine[1]).toMatchObject({ method: 'PROFILE_PAGE', klaviyoProfileId: expect.any(String) });
    expect(Date.parse(mine[1]?.at ?? '')).toBeGreaterThanOrEqual(Date.parse(mine[0]?.at ?? ''));
    const sent = await lastAccepted();
    expect(sent.headers['Klaviyo-Webhook-Id']).toBe(webhookId);
  });

  it('texting STOP and a spam complaint arrive as SMS unsubscribe and email suppression', async () => {
    const email = 'sms.stop@example.com';
    const phone = '+15005550123';
    await subscribeAtKlaviyo(emu, { email, phone });
    await emu.settle();
    await shopperAtKlaviyo(emu, 'sms-stop', { phoneNumber: phone });
    await shopperAtKlaviyo(emu, 'email-spam-complaint', { email });
    await emu.settle();
    await settled();
    const sms = host.state.applied.filter((c) => c.phone === phone && c.channel === 'sms');
    expect(sms.map((c) => c.status)).toEqual(['subscribed', 'unsubscribed']);
    expect(sms[1]?.method).toBe('STOP_KEYWORD');
    const spam = host.state.applied.filter((c) => c.email === email && c.status === 'suppressed');
    expect(spam).toHaveLength(1);
    expect(spam[0]?.topic).toBe('event:klaviyo.marked_email_as_spam');
  });
});

describe('refusing what Klaviyo did not send', () => {
  it('refuses a bad signature, a body changed by one byte, a mismatched webhook id and missing headers, storing nothing', async () => {
    await subscribeAtKlaviyo(emu, { email: 'tamper@example.com' });
    await emu.settle();
    await settled();
    const real = await lastAccepted();
    const before = (await inboxRows(db)).length;
    const calls = host.state.calls;

    const signature = real.headers['Klaviyo-Signature'] ?? '';
    const flipped = {
      ...real.headers,
      'Klaviyo-Signature': `${signature.slice(0, -1)}${signature.endsWith('0') ? '1' : '0'}`,
    };
    const sig = await postDelivery(route.url, real.body, flipped);
    expect(sig).toMatchObject({ status: 401, body: { error: { field: 'Klaviyo-Signature' } } });

    // One byte of the body changed (a space added inside the JSON): same meaning, different bytes.
    const oneByte = real.body.replace('"data":', '"data": ');
    expect(oneByte.length).toBe(real.body.length + 1);
    expect((await postDelivery(route.url, oneByte, real.headers)).status).toBe(401);

    // The signature does not cover the header: a body for one webhook replayed under another's id.
    const otherId = await postDelivery(route.url, real.body, {
      ...real.headers,
      'Klaviyo-Webhook-Id': '01HZZZZZZZZZZZZZZZZZZZZZZZ',
    });
    expect(otherId).toMatchObject({ status: 401, body: { error: { field: 'meta.klaviyo_webhook_id' } } });

    const { 'Klaviyo-Signature': _dropped, ...unsigned } = real.headers;
    expect(await postDelivery(route.url, real.body, unsigned)).toMatchObject({
      status: 401,
      body: { error: { field: 'Klaviyo-Signature' } },
    });
    // Someone who guesses the secret wrong.
    const forged = signedHeaders(
      webhookId,
      real.body,
      real.headers['Klaviyo-Timestamp'] ?? '',
      'not-the-secret-0123456789',
    );
    expect((await postDelivery(route.url, real.body, forged)).status).toBe(401);

    expect((await inboxRows(db)).length).toBe(before);
    expect(host.state.calls).toBe(calls);
  });

  it('refuses a delivery the emulator signed 10 minutes in the past, and one 10 minutes in the future', async () => {
    for (const [offsetMs, said] of [
      [-10 * 60_000, 'old'],
      [10 * 60_000, 'future'],
    ] as const) {
      await emu.clock({ freezeAt: Date.now() + offsetMs });
      const email = `clock-${said}@example.com`;
      await subscribeAtKlaviyo(emu, { email });
      await emu.settle();
      const refused = (await deliveriesOf(emu, webhookId)).filter((d) => d.body.includes(email));
      // A 401 is not retried: one attempt, refused.
      expect(refused.map((d) => d.status)).toEqual([401]);
      await emu.clock({ release: true });
      const replay = refused[0];
      if (!replay) throw new Error('no delivery');
      const answer = await postDelivery(route.url, replay.body, replay.headers);
      expect(answer.body.error).toMatchObject({
        field: 'Klaviyo-Timestamp',
        message: expect.stringContaining(said),
      });
    }
    expect((await inboxRows(db)).some((r) => r.external_id === '')).toBe(false);
    expect(host.state.applied.some((c) => c.email?.startsWith('clock-'))).toBe(false);
  });

  it('refuses a body larger than 5 MB with 413 before reading it whole', async () => {
    const big = `{"data":[],"pad":"${'x'.repeat(5 * 1024 * 1024)}"}`;
    const res = await postDelivery(route.url, big, signedHeaders(webhookId, big, new Date().toISOString()));
    expect(res).toMatchObject({ status: 413, body: { error: { field: 'body' } } });
  });
});

describe('redelivery', () => {
  it('a redelivered batch is processed once per item, and a batch partly seen before adds only its new items', async () => {
    await subscribeAtKlaviyo(emu, { email: 'again-1@example.com' });
    await emu.settle();
    await settled();
    const first = await lastAccepted();
    const calls = host.state.calls;

    // Klaviyo delivers the same batch again, freshly signed (a lost 2xx): stored nothing new.
    const stamp = new Date().toISOString();
    const again = await postDelivery(route.url, first.body, signedHeaders(webhookId, first.body, stamp));
    expect(again).toMatchObject({ status: 200, body: { stored: 0 } });

    // A batch holding that item and a new one: only the new one is stored and applied.
    await subscribeAtKlaviyo(emu, { email: 'again-2@example.com' });
    await emu.settle();
    await settled();
    const second = await lastAccepted();
    const merged = JSON.parse(first.body);
    merged.data.push(...JSON.parse(second.body).data);
    const mixed = JSON.stringify(merged);
    const answer = await postDelivery(
      route.url,
      mixed,
      signedHeaders(webhookId, mixed, new Date().toUTCString()),
    );
    expect(answer).toMatchObject({ status: 200, body: { received: 2, stored: 0 } });
    await settled();
    expect(host.state.calls).toBe(calls + 1);
    const ids = host.state.applied.map((c) => c.externalId);
    expect(new Set(ids).size).toBe(ids.length);
  });

  it('two deliveries of one batch at once store and apply each item once (SQLite)', async () => {
    await subscribeAtKlaviyo(emu, { email: 'twice@example.com', phone: '+15005550199' });
    await emu.settle();
    await settled();
    const real = await lastAccepted();
    const items = JSON.parse(real.body).data.length as number;
    // A store that has not seen this batch yet, on its own database file.
    const fresh = await freshSqlite();
    const other = recordingSink();
    const otherApp = receiverInstance(emu, fresh, other.sink);
    const served = await serveRoute((request) => otherApp.klaviyo.routes.webhooks.POST(request));
    try {
      const stamp = new Date().toISOString();
      const answers = await Promise.all(
        [0, 1].map(() => postDelivery(served.url, real.body, signedHeaders(webhookId, real.body, stamp))),
      );
      expect(answers.map((a) => a.status)).toEqual([200, 200]);
      expect(answers.reduce((n, a) => n + a.body.stored, 0)).toBe(items);
      await eventually(
        () => inboxRows(fresh),
        (rows) => rows.length === items && rows.every((r) => r.state === 'done'),
      );
      expect(other.state.applied.map((c) => c.externalId).sort()).toEqual(
        JSON.parse(real.body)
          .data.map((i: { external_id: string }) => i.external_id)
          .sort(),
      );
    } finally {
      await served.stop();
      await fresh.close();
    }
  });
});

describe('secret rotation', () => {
  it('accepts the previous and the new secret while both are configured, and neither alone after', async () => {
    const rotating = receiverInstance(emu, db, host.sink, {
      secret: WEBHOOK_SECRET,
      previousSecret: PREVIOUS_SECRET,
    });
    const served = await serveRoute((request) => rotating.klaviyo.routes.webhooks.POST(request));
    try {
      const id = await registerWebhook(emu, served.url, CONSENT_TOPIC_IDS, PREVIOUS_SECRET);
      await subscribeAtKlaviyo(emu, { email: 'rotate-old@example.com' });
      await emu.settle();
      const patch = await emu.api(`/api/webhooks/${id}`, {
        method: 'PATCH',
        body: { data: { type: 'webhook', id, attributes: { secret_key: WEBHOOK_SECRET } } },
      });
      expect(patch.status).toBe(200);
      await subscribeAtKlaviyo(emu, { email: 'rotate-new@example.com' });
      await emu.settle();
      expect((await deliveriesOf(emu, id)).map((d) => d.status)).toEqual([200, 200]);

      // A third secret is refused.
      await emu.api(`/api/webhooks/${id}`, {
        method: 'PATCH',
        body: { data: { type: 'webhook', id, attributes: { secret_key: 'whsec_someone_else_0123456789' } } },
      });
      await subscribeAtKlaviyo(emu, { email: 'rotate-other@example.com' });
      await emu.settle();
      expect((await deliveriesOf(emu, id)).map((d) => d.status)).toEqual([200, 200, 401]);
      await emu.api(`/api/webhooks/${id}`, { method: 'DELETE' });
    } finally {
      await served.stop();
    }
  });
});
