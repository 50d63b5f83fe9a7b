import { type ChildProcess, spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import sql from 'sql-template-tag';
import { afterAll, beforeAll, beforeEach, expect, it } from 'vitest';
import { createKlaviyoClient } from '../../lib/klaviyo-next/api/client.js';
import { consentChange } from '../../lib/klaviyo-next/events/consent.js';
import { createDelivery } from '../../lib/klaviyo-next/outbox/runtime.js';
import { OutboxStore } from '../../lib/klaviyo-next/outbox/store.js';
import { consentMessage } from '../../lib/klaviyo-next/outbox/types.js';
import type { SqlDatabase } from '../../lib/klaviyo-next/sql/types.js';
import { dropPostgres, freshPostgres } from '../support/databases.js';
import { type TestEmulator, withEmulator } from '../support/emulator.js';
import { enqueueOrders } from '../support/order-events.js';
import { leasedCount, recordedCounts, useEmulatorAndPostgresOutbox } from '../support/outbox-fixtures.js';
import { describeWithPostgres, TEST_DATABASE_URL } from '../support/requirements.js';

/**
 * SIGTERM (issue 12, item 6): an orchestrator gives a stopping worker a grace period, typically 30 s,
 * then kills it. The worker must abort what it has in flight, settle what completed, release its
 * leases and exit inside it, even while Klaviyo answers slowly. A real child process
 * (tests/support/outbox-worker-process.ts: createKlaviyoNext's work() over Postgres) gets a real
 * SIGTERM while its bulk events job waits on an emulator answering after 60 s.
 */

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const GRACE_MS = 30_000;
const SLOW_ANSWER_MS = 60_000;

function startWorker(env: Record<string, string>) {
  const child: ChildProcess = spawn(
    process.execPath,
    ['--conditions=react-server', '--import', 'tsx', 'tests/support/outbox-worker-process.ts'],
    {
      cwd: ROOT,
      env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', NODE_ENV: 'test', ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  let log = '';
  child.stdout?.on('data', (chunk: Buffer) => {
    log += chunk.toString();
  });
  child.stderr?.on('data', (chunk: Buffer) => {
    log += chunk.toString();
  });
  const exited = new Promise<number | string>((resolve) => {
    child.once('exit', (code, signal) => resolve(code ?? signal ?? 'unknown'));
  });
  return { child, exited, output: () => log };
}

/** Polls `check` until it holds; what is asserted is what happened, not how long it took. */
async function until(check: () => Promise<boolean>, what: string, output: () => string) {
  for (let i = 0; !(await check()); i++) {
    if (i > 1200) throw new Error(`timed out waiting for ${what}:\n${output()}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

describeWithPostgres('a worker stopped by SIGTERM while Klaviyo answers slowly', () => {
  let emu: TestEmulator;
  let db: SqlDatabase & { schema: string };
  let store: OutboxStore;
  let worker: ReturnType<typeof startWorker> | undefined;

  withEmulator({ rateLimits: false }, (started) => {
    emu = started;
  });
  beforeAll(async () => {
    db = await freshPostgres();
    store = new OutboxStore(db);
  });
  afterAll(async () => {
    worker?.child.kill('SIGKILL');
    if (db) await dropPostgres(db);
  });

  it('aborts the job in flight, keeps what was delivered, releases the rest due at once and exits well inside 30 s', async () => {
    const first = await enqueueOrders(db, store, 250, 'SIG-A'); // 1,000 events
    worker = startWorker({
      OUTBOX_WORKER_DATABASE_URL: TEST_DATABASE_URL,
      OUTBOX_WORKER_SCHEMA: db.schema,
      KLAVIYO_API_URL: emu.url,
      KLAVIYO_PRIVATE_KEY: emu.account.privateKey,
      KLAVIYO_PUBLIC_KEY: emu.account.publicKey,
      // Longer than the slow answer: the call would wait it out if SIGTERM did not abort it.
      KLAVIYO_TIMEOUT_MS: '120000',
    });
    const output = worker.output;
    await until(async () => (await store.counts()).delivered === first.length, 'the first batch', output);

    // Klaviyo now answers a bulk job only after a minute; another 1,000 events arrive.
    await emu.setFaults({ latencyMs: SLOW_ANSWER_MS, operations: ['bulk_create_events'] });
    const jobsBefore = (await emu.inspect()).requests.bulk_create_events ?? 0;
    const second = await enqueueOrders(db, store, 250, 'SIG-B');
    await until(
      async () => ((await emu.inspect()).requests.bulk_create_events ?? 0) > jobsBefore,
      'the slow job to reach Klaviyo',
      output,
    );
    expect(await leasedCount(db)).toBe(second.length);

    const signalledAt = Date.now();
    worker.child.kill('SIGTERM');
    const code = await worker.exited;
    const exitMs = Date.now() - signalledAt;
    console.log(
      `[shutdown] exited ${code} ${exitMs} ms after SIGTERM (Klaviyo answering after ${SLOW_ANSWER_MS} ms)`,
    );
    expect(code, output()).toBe(0);
    expect(output()).toContain('[outbox-worker] stopped');
    expect(exitMs).toBeLessThan(GRACE_MS / 3);

    // Nothing is left leased; what was delivered stays delivered; the rest is due at once, unattempted.
    const rows = await db.query<{
      dedup_key: string;
      state: string;
      attempts: number;
      lease_owner: string | null;
      available_at: number;
    }>(sql`SELECT dedup_key, state, attempts, lease_owner, available_at FROM klaviyo_outbox`);
    expect(rows.filter((r) => r.lease_owner !== null)).toEqual([]);
    const sigB = rows.filter((r) => r.dedup_key.includes('SIG-B'));
    expect(sigB).toHaveLength(second.length);
    expect(sigB.every((r) => r.state === 'pending' && r.attempts === 0)).toBe(true);
    const dbNow = await store.now();
    expect(sigB.every((r) => Number(r.available_at) <= dbNow)).toBe(true);
    // Claimable at once by the next worker.
    const next = await store.claim('next-worker', 5_000, 60_000, dbNow);
    expect(next).toHaveLength(second.length);
    await store.release(
      'next-worker',
      next.map((r) => r.id),
    );

    // What was sent before is delivered once at Klaviyo.
    const seen = await recordedCounts(emu);
    expect(first.filter((id) => seen.get(id) !== 1)).toEqual([]);
    expect(rows.filter((r) => r.dedup_key.includes('SIG-A') && r.state !== 'delivered')).toEqual([]);
    await emu.clearFaults();
  });
});

describeWithPostgres('a worker stopped mid-round, in process', () => {
  let emu: TestEmulator;
  let db: SqlDatabase;
  let store: OutboxStore;
  const world = useEmulatorAndPostgresOutbox();
  beforeEach(() => {
    ({ emu, db, store } = world);
  });

  it('keeps what the round completed before the stop, settled while it ran, and releases the rest at once', async () => {
    // One round: the events job answers at once, then the consent job waits on a slow answer.
    const events = await enqueueOrders(db, store, 10, 'MID'); // 40 events
    const consent = Array.from({ length: 10 }, (_, i) =>
      consentMessage(
        consentChange({
          channel: 'email',
          status: 'SUBSCRIBED',
          profile: { email: `mid${i}@example.com` },
          consentedAt: '2026-07-15T12:00:00Z',
          source: 'Checkout',
        }),
      ),
    );
    await db.transaction((tx) => store.enqueue(tx, consent));
    await emu.setFaults({ latencyMs: SLOW_ANSWER_MS, operations: ['bulk_subscribe_profiles'] });
    const delivery = createDelivery({
      store,
      client: createKlaviyoClient({ apiKey: emu.account.privateKey, baseUrl: emu.url, timeoutMs: 120_000 }),
      account: emu.account.id,
      log: () => undefined,
    });
    const stop = new AbortController();
    const working = delivery.work(stop.signal, 20);
    // The events are marked delivered while the round still waits on the consent job.
    const delivered = async () =>
      (
        await db.query<{ n: number }>(sql`SELECT COUNT(*) AS n FROM klaviyo_outbox WHERE state = 'delivered'`)
      )[0]?.n;
    while (Number(await delivered()) < events.length) await new Promise((r) => setTimeout(r, 20));
    expect(await leasedCount(db)).toBe(consent.length);

    stop.abort();
    await working;
    expect(await leasedCount(db)).toBe(0);
    const rows = await store.list({ limit: 100 });
    const consentRows = rows.filter((r) => r.kind === 'consent');
    expect(consentRows.every((r) => r.state === 'pending' && r.attempts === 0)).toBe(true);
    const now = await store.now();
    expect(consentRows.every((r) => r.availableAt <= now)).toBe(true);
    expect(rows.filter((r) => r.kind === 'event' && r.state !== 'delivered')).toEqual([]);
    const seen = await recordedCounts(emu);
    expect(events.filter((id) => seen.get(id) !== 1)).toEqual([]);
  });
});
