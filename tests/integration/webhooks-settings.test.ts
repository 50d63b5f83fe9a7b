import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createKlaviyo } from '../../lib/klaviyo-next/api/index.js';
import { createKlaviyoNext } from '../../lib/klaviyo-next/create.js';
import type { SqlDatabase } from '../../lib/klaviyo-next/sql/types.js';
import { CONSENT_TOPIC_IDS } from '../../lib/klaviyo-next/webhooks/consent-items.js';
import { freshSqlite } from '../support/databases.js';
import { type TestEmulator, withEmulator } from '../support/emulator.js';
import { emulatorEnv } from '../support/ops-fixtures.js';
import {
  eventually,
  recordingSink,
  serveRoute,
  shopperAtKlaviyo,
  subscribeAtKlaviyo,
  WEBHOOK_SECRET,
} from '../support/webhook-fixtures.js';

/**
 * Admin Settings' webhook button against the emulator: register (with the consent topics and the
 * store's secret), the status turning live once deliveries arrive, pressing again, two presses at
 * once, remove; and a caller who is not the merchant changes nothing.
 */

let emu: TestEmulator;
withEmulator({ rateLimits: false, httpLoopbackWebhooks: true }, (started) => {
  emu = started;
});

let db: SqlDatabase;
const host = recordingSink();
let merchant = true;
let route: Awaited<ReturnType<typeof serveRoute>>;
let klaviyo: ReturnType<typeof createKlaviyoNext>;

beforeAll(async () => {
  db = await freshSqlite();
  // The route needs the instance and the instance the route's address: serve first, then build.
  route = await serveRoute((request) => klaviyo.routes.webhooks.POST(request));
  klaviyo = createKlaviyoNext({
    env: emulatorEnv(emu),
    sql: db,
    siteUrl: new URL(route.url).origin,
    log: () => {},
    // Webhook calls allow 15 a minute and this file presses the button more often than a merchant
    // would: the client does not pace itself (the emulator's rate limits are off too).
    klaviyo: createKlaviyo({ apiKey: emu.account.privateKey, baseUrl: emu.url, governor: null }),
    merchantGuard: async () =>
      merchant ? { ok: true } : { ok: false, status: 403, message: 'Only the merchant may do this.' },
    webhooks: { secret: WEBHOOK_SECRET, onConsentChange: host.sink },
  });
});
afterAll(async () => {
  await route?.stop();
  await db?.close();
});

const webhooksAtKlaviyo = async () =>
  (await emu.api('/api/webhooks?include=webhook-topics')).body.data as {
    id: string;
    attributes: { name: string; enabled: boolean };
    relationships: { 'webhook-topics': { data: { id: string }[] } };
  }[];

describe('the Settings webhook button', () => {
  it('a non-merchant can neither register nor remove', async () => {
    merchant = false;
    try {
      expect(await klaviyo.dashboard.actions.registerWebhook({})).toMatchObject({
        ok: false,
        error: { code: 'forbidden' },
      });
      expect(await klaviyo.dashboard.actions.removeWebhook({})).toMatchObject({ ok: false });
      expect(await webhooksAtKlaviyo()).toEqual([]);
    } finally {
      merchant = true;
    }
  });

  it('registers the consent topics, shows it live once a delivery arrives, and pressing again changes nothing', async () => {
    const first = await klaviyo.dashboard.actions.registerWebhook({});
    if (!first.ok) throw new Error(first.error.message);
    expect(first.data.receiver).toMatchObject({
      secretSet: true,
      enabled: true,
      missingTopics: [],
      live: true,
    });
    const [registered, ...others] = await webhooksAtKlaviyo();
    expect(others).toEqual([]);
    expect(registered?.relationships['webhook-topics'].data.map((t) => t.id).sort()).toEqual(
      [...CONSENT_TOPIC_IDS].sort(),
    );
    expect(first.data.receiver.registeredId).toBe(registered?.id);

    // Klaviyo signs with the secret the button gave it: the route accepts the delivery.
    await subscribeAtKlaviyo(emu, { email: 'settings@example.com' });
    await emu.settle();
    await shopperAtKlaviyo(emu, 'email-unsubscribe-link', { email: 'settings@example.com' });
    await emu.settle();
    await eventually(
      async () => host.state.applied.length,
      (n) => n === 2,
    );
    const after = await klaviyo.dashboard.actions.recheckConnection({});
    if (!after.ok) throw new Error(after.error.message);
    expect(after.data.receiver.lastReceivedAt).toEqual(expect.any(Number));

    const again = await klaviyo.dashboard.actions.registerWebhook({});
    expect(again.ok).toBe(true);
    expect((await webhooksAtKlaviyo()).map((w) => w.id)).toEqual([registered?.id]);
  });

  it('two presses at once leave one webhook', async () => {
    await klaviyo.dashboard.actions.removeWebhook({});
    expect(await webhooksAtKlaviyo()).toEqual([]);
    const both = await Promise.all([
      klaviyo.dashboard.actions.registerWebhook({}),
      klaviyo.dashboard.actions.registerWebhook({}),
    ]);
    expect(both.map((r) => r.ok)).toEqual([true, true]);
    expect(await webhooksAtKlaviyo()).toHaveLength(1);
  });

  it('remove deletes it and the status says not registered', async () => {
    await klaviyo.dashboard.actions.registerWebhook({});
    const removed = await klaviyo.dashboard.actions.removeWebhook({});
    if (!removed.ok) throw new Error(removed.error.message);
    expect(removed.data.receiver).toMatchObject({ registeredId: null, live: false });
    expect(await webhooksAtKlaviyo()).toEqual([]);
  });

  it('without a secret the button refuses, naming what to set', async () => {
    const bare = createKlaviyoNext({
      env: emulatorEnv(emu),
      sql: db,
      siteUrl: new URL(route.url).origin,
      log: () => {},
      klaviyo: createKlaviyo({ apiKey: emu.account.privateKey, baseUrl: emu.url, governor: null }),
      merchantGuard: async () => ({ ok: true }),
    });
    const answer = await bare.dashboard.actions.registerWebhook({});
    expect(answer).toMatchObject({
      ok: false,
      error: { code: 'invalid', message: expect.stringContaining('KLAVIYO_WEBHOOK_SECRET') },
    });
    // And its route is off.
    const res = await bare.routes.webhooks.POST(new Request(route.url, { method: 'POST', body: '{}' }));
    expect(res.status).toBe(404);
  });
});
