import sql from 'sql-template-tag';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { SqlDatabase, SqlExecutor } from '../../lib/klaviyo-next/sql/types.js';
import { CONSENT_TOPIC_IDS } from '../../lib/klaviyo-next/webhooks/consent-items.js';
import { freshSqlite } from '../support/databases.js';
import { type TestEmulator, withEmulator } from '../support/emulator.js';
import {
  deliveriesOf,
  eventually,
  inboxRows,
  receiverInstance,
  recordingSink,
  registerWebhook,
  serveRoute,
  shopperAtKlaviyo,
  subscribeAtKlaviyo,
} from '../support/webhook-fixtures.js';

/**
 * Nothing Klaviyo sent is lost while the store is away: the app unreachable for minutes (the emulator
 * retries with backoff on its clock, which the test moves), its database refusing writes (503, so the
 * emulator delivers again), or the host's sink throwing (the inbox keeps the item and retries it with
 * backoff, after the response and in the worker).
 */

let emu: TestEmulator;
withEmulator({ rateLimits: false, httpLoopbackWebhooks: true }, (started) => {
  emu = started;
});

/** The SQLite database behind a switch: while `down`, every statement fails as a lost connection would. */
function switchable(db: SqlDatabase) {
  const state = { down: false };
  const check = () => {
    if (state.down) throw new Error('database unavailable');
  };
  const wrapped: SqlDatabase = {
    dialect: db.dialect,
    query: async (q) => {
      check();
      return db.query(q);
    },
    transaction: async (fn) => {
      check();
      return db.transaction((tx: SqlExecutor) => fn(tx));
    },
    close: () => db.close(),
  };
  return { db: wrapped, state };
}

let raw: SqlDatabase;
let store: ReturnType<typeof switchable>;
const host = recordingSink();
let app: ReturnType<typeof receiverInstance>;
let route: Awaited<ReturnType<typeof serveRoute>>;
let webhookId: string;

beforeAll(async () => {
  raw = await freshSqlite();
  store = switchable(raw);
  app = receiverInstance(emu, store.db, host.sink);
  route = await serveRoute((request) => app.klaviyo.routes.webhooks.POST(request));
  webhookId = await registerWebhook(emu, route.url, CONSENT_TOPIC_IDS);
});
afterAll(async () => {
  await route?.stop();
  await emu.clock({ release: true });
  await raw?.close();
});
beforeEach(() => {
  host.state.failing = false;
  store.state.down = false;
});

/** The emulator's attempts at delivering `email`'s change of `topic` (default: any consent topic). */
const attemptsFor = async (email: string, topic = 'event:klaviyo.') =>
  (await deliveriesOf(emu, webhookId))
    .filter((d) => d.body.includes(email) && d.body.includes(topic))
    .map((d) => d.status);

/** The inbox rows of the items delivered for `email`. */
async function rowsFor(email: string) {
  const ids = new Set(
    (await deliveriesOf(emu, webhookId))
      .filter((d) => d.body.includes(email))
      .flatMap((d) => (JSON.parse(d.body).data as { external_id: string }[]).map((i) => i.external_id)),
  );
  return (await inboxRows(raw)).filter((r) => ids.has(r.external_id));
}

describe('the app is away', () => {
  it('an app unreachable for nearly two minutes still gets the unsubscribe, once', async () => {
    const email = 'away@example.com';
    await subscribeAtKlaviyo(emu, { email });
    await emu.settle();
    await eventually(
      () => inboxRows(raw),
      (rows) => rows.length > 0 && rows.every((r) => r.state !== 'pending'),
    );
    // Klaviyo's clock starts 90 s behind ours, so after the outage its timestamps are still fresh.
    await emu.clock({ freezeAt: Date.now() - 90_000 });
    await route.stop();
    await shopperAtKlaviyo(emu, 'email-unsubscribe-link', { email });
    const topic = 'event:klaviyo.unsubscribed_from_email_marketing';
    const failedAttempts = async (n: number) =>
      eventually(
        async () => (await attemptsFor(email, topic)).filter((s) => s === 'error').length,
        (count) => count >= n,
      );
    await failedAttempts(1);
    // The emulator's backoff: 1 s, 5 s, 15 s, 30 s, then 60 s (RETRY_DELAYS_MS).
    for (const [advanceMs, attempts] of [
      [1_000, 2],
      [5_000, 3],
      [15_000, 4],
      [30_000, 5],
    ] as const) {
      await emu.clock({ advanceMs });
      await failedAttempts(attempts);
    }
    await route.start();
    await emu.clock({ advanceMs: 60_000 });
    const statuses = await eventually(
      () => attemptsFor(email, topic),
      (s) => s.includes(200),
    );
    expect(statuses.filter((s) => s === 'error').length).toBe(5);
    expect(statuses.at(-1)).toBe(200);
    await eventually(
      () => inboxRows(raw),
      (rows) => rows.every((r) => r.state !== 'pending'),
    );
    const applied = host.state.applied.filter((c) => c.email === email && c.status === 'unsubscribed');
    expect(applied).toHaveLength(1);
    await emu.clock({ release: true });
  });

  it('a database that refuses writes answers 503, and the redelivery is stored and applied once', async () => {
    const email = 'db-down@example.com';
    await emu.clock({ freezeAt: Date.now() - 60_000 });
    store.state.down = true;
    await subscribeAtKlaviyo(emu, { email });
    // Run the job without settle (a settle would send the retries at once).
    await eventually(
      () => attemptsFor(email),
      (s) => s.length >= 1,
    );
    expect(await attemptsFor(email)).toEqual([503]);
    store.state.down = false;
    await emu.clock({ advanceMs: 1_000 });
    await eventually(
      () => attemptsFor(email),
      (s) => s.includes(200),
    );
    expect(await attemptsFor(email)).toEqual([503, 200]);
    await eventually(
      () => inboxRows(raw),
      (rows) => rows.every((r) => r.state !== 'pending'),
    );
    expect(host.state.applied.filter((c) => c.email === email)).toHaveLength(1);
    await emu.clock({ release: true });
  });
});

describe('the host store fails', () => {
  it('a sink that throws keeps the item pending with a backoff; it is applied once when the store is back', async () => {
    const email = 'sink-down@example.com';
    host.state.failing = true;
    await subscribeAtKlaviyo(emu, { email });
    await emu.settle();
    // Klaviyo got its 200: the item is in the inbox, waiting.
    expect(await attemptsFor(email)).toEqual([200]);
    const waiting = await eventually(
      () => rowsFor(email),
      (rows) => rows.some((r) => r.state === 'pending' && Number(r.attempts) >= 1),
    );
    expect(waiting.map((r) => r.state)).toEqual(['pending']);
    expect(app.logs.some((l) => l.event === 'webhooks.sink_failed')).toBe(true);

    // Not due yet: a drain before its backoff leaves it alone.
    const calls = host.state.calls;
    await app.klaviyo.webhooks.processor?.drain();
    expect(host.state.calls).toBe(calls);

    host.state.failing = false;
    app.clock.offset += 2_000; // past the first retry's 1 s
    const result = await eventually(
      async () => app.klaviyo.webhooks.processor?.drain(),
      (r) => r !== undefined,
    );
    expect(result).toMatchObject({ failed: 0 });
    expect(result?.applied).toBeGreaterThanOrEqual(1);
    expect(host.state.applied.filter((c) => c.email === email)).toHaveLength(1);
    expect((await inboxRows(raw)).every((r) => r.state !== 'pending')).toBe(true);
  });

  it('the worker loop applies what the sink refused before', async () => {
    const email = 'worker@example.com';
    host.state.failing = true;
    await subscribeAtKlaviyo(emu, { email });
    await emu.settle();
    await eventually(
      () => rowsFor(email),
      (rows) => rows.some((r) => r.state === 'pending' && Number(r.attempts) >= 1),
    );
    host.state.failing = false;
    app.clock.offset += 2_000;
    const stop = new AbortController();
    const worker = app.klaviyo.work(stop.signal, 50);
    await eventually(
      () => inboxRows(raw),
      (rows) => rows.every((r) => r.state !== 'pending'),
    );
    stop.abort();
    await worker;
    expect(host.state.applied.filter((c) => c.email === email)).toHaveLength(1);
  });
});

describe('a drain out of time', () => {
  it('gives back what it claimed and did not work, due at once for the next drain', async () => {
    const email = 'no-time@example.com';
    host.state.failing = true;
    await subscribeAtKlaviyo(emu, { email });
    await emu.settle();
    await eventually(
      () => rowsFor(email),
      (rows) => rows.length === 1 && Number(rows[0]?.attempts) >= 1,
    );
    host.state.failing = false;
    app.clock.offset += 2_000;
    const calls = host.state.calls;
    // A drain still finishing from the delivery would be joined (undefined): ask until ours runs.
    const cut = await eventually(
      async () => app.klaviyo.webhooks.processor?.drain(0),
      (result) => result !== undefined,
    );
    expect(cut).toEqual({ applied: 0, failed: 0, dead: 0 });
    expect(host.state.calls).toBe(calls);
    const leased = await raw.query<{ n: number }>(
      sql`SELECT COUNT(*) AS n FROM klaviyo_webhook_inbox WHERE lease_owner IS NOT NULL`,
    );
    expect(Number(leased[0]?.n)).toBe(0);
    await eventually(
      async () => app.klaviyo.webhooks.processor?.drain(),
      (r) => r !== undefined,
    );
    expect((await rowsFor(email)).map((r) => r.state)).toEqual(['done']);
  });
});

describe('retention', () => {
  it('deletes applied items older than the retention and keeps what still waits', async () => {
    const email = 'old@example.com';
    await subscribeAtKlaviyo(emu, { email });
    await emu.settle();
    await eventually(
      () => rowsFor(email),
      (rows) => rows.length === 1 && rows[0]?.state === 'done',
    );
    host.state.failing = true;
    const waiting = 'still-waiting@example.com';
    await subscribeAtKlaviyo(emu, { email: waiting });
    await emu.settle();
    await eventually(
      () => rowsFor(waiting),
      (rows) => rows.length === 1 && Number(rows[0]?.attempts) >= 1,
    );
    const saved = app.clock.offset;
    app.clock.offset += 31 * 86_400_000;
    try {
      expect(await app.klaviyo.webhooks.processor?.prune()).toBeGreaterThanOrEqual(1);
    } finally {
      app.clock.offset = saved;
    }
    expect(await rowsFor(email)).toEqual([]);
    expect((await rowsFor(waiting)).map((r) => r.state)).toEqual(['pending']);
    expect((await inboxRows(raw)).every((r) => r.state === 'pending')).toBe(true);
  });
});
