import sql from 'sql-template-tag';
import { afterAll, afterEach, beforeAll, beforeEach } from 'vitest';
import type { Account } from '../../emulator/store/account.js';
import {
  createKlaviyoClient,
  type KlaviyoClient,
  type KlaviyoClientOptions,
} from '../../lib/klaviyo-next/api/client.js';
import { RateGovernor } from '../../lib/klaviyo-next/api/governor.js';
import { createDispatcher } from '../../lib/klaviyo-next/outbox/dispatcher.js';
import { OutboxStore } from '../../lib/klaviyo-next/outbox/store.js';
import type { OutboxMessage } from '../../lib/klaviyo-next/outbox/types.js';
import type { SqlDatabase } from '../../lib/klaviyo-next/sql/types.js';
import { dropPostgres, freshPostgres, freshSqlite } from './databases.js';
import { type TestEmulator, withEmulator } from './emulator.js';
import { virtualClock } from './virtual-clock.js';

/** A clock a test drives (virtual, emulator or skip clock): what the client waits and paces on. */
export interface TestClock {
  now(): number;
  sleep(ms: number): Promise<void>;
}

/**
 * Our Klaviyo client on the emulator, waiting and pacing on the test's clock: the governor's waits
 * pass in no time, and the published limits are still kept. `baseUrl` for a proxy in between.
 */
export function clockedClient(emu: TestEmulator, clock: TestClock, baseUrl = emu.url): KlaviyoClient {
  return createKlaviyoClient({
    apiKey: emu.account.privateKey,
    baseUrl,
    now: clock.now,
    sleep: clock.sleep,
    governor: new RateGovernor({ now: clock.now, sleep: clock.sleep }),
  });
}

/**
 * A migrated Postgres schema of the test file's own, emptied of messages, fences, delivery counts and
 * pauses before each test and dropped after the file. Read `db`/`store` inside tests and hooks.
 */
export function usePostgresOutbox() {
  const handle = {} as { db: SqlDatabase & { schema: string }; store: OutboxStore };
  beforeAll(async () => {
    handle.db = await freshPostgres();
    handle.store = new OutboxStore(handle.db);
  });
  beforeEach(async () => {
    for (const table of [
      sql`DELETE FROM klaviyo_outbox`,
      sql`DELETE FROM klaviyo_outbox_fences`,
      sql`DELETE FROM klaviyo_outbox_delivered_hours`,
      sql`DELETE FROM klaviyo_outbox_pause`,
    ])
      await handle.db.query(table);
  });
  afterAll(async () => {
    if (handle.db) await dropPostgres(handle.db);
  });
  return handle;
}

/** Messages holding a lease right now (a worker's claim not settled or released). */
export async function leasedCount(db: SqlDatabase): Promise<number> {
  const [row] = await db.query<{ n: number }>(
    sql`SELECT COUNT(*) AS n FROM klaviyo_outbox WHERE lease_owner IS NOT NULL`,
  );
  return Number(row?.n ?? 0);
}

/** How many times the emulator recorded each event unique id (after its queued jobs have run). */
export async function recordedCounts(emu: TestEmulator): Promise<Map<string, number>> {
  await emu.settle();
  const events = (await emu.inspect('?events=full')).events as { uniqueId: string }[];
  const seen = new Map<string, number>();
  for (const e of events) seen.set(e.uniqueId, (seen.get(e.uniqueId) ?? 0) + 1);
  return seen;
}

/**
 * An emulator without rate limits (faults cleared after each test) beside usePostgresOutbox: what a
 * test of several workers on one Postgres outbox starts from. Read the handle inside tests and hooks.
 */
export function useEmulatorAndPostgresOutbox() {
  const outbox = usePostgresOutbox();
  const handle = outbox as typeof outbox & { emu: TestEmulator };
  withEmulator({ rateLimits: false }, (started) => {
    handle.emu = started;
  });
  afterEach(async () => {
    await handle.emu?.clearFaults();
  });
  return handle;
}

/**
 * The emulator (no rate limits: the tests count calls, not waits) and a fresh SQLite outbox for the
 * file, on a virtual clock at 2026-07-15 12:00 UTC, with what the bulk delivery tests each built:
 * a client that does not pace itself (`retry` and the rest overridable), a dispatcher on it, an
 * enqueue at the clock's time, and the emulator's request counts. Read the fields inside tests.
 */
export function useEmulatorAndSqliteOutbox() {
  const clock = virtualClock(Date.parse('2026-07-15T12:00:00Z'));
  const handle = {
    clock,
    client: (options: Partial<KlaviyoClientOptions> = {}) =>
      createKlaviyoClient({
        apiKey: handle.emu.account.privateKey,
        baseUrl: handle.emu.url,
        ...clock,
        governor: null,
        ...options,
      }),
    dispatcher: () => createDispatcher({ store: handle.store, client: handle.client(), now: clock.now }),
    enqueue: (messages: OutboxMessage[]) =>
      handle.db.transaction((tx) => handle.store.enqueue(tx, messages, clock.now())),
    requests: async () => (await handle.emu.inspect()).requests as Record<string, number>,
  } as {
    emu: TestEmulator;
    /** The emulator's one account: its job queue, to hold or reorder Klaviyo's asynchronous jobs. */
    account: Account;
    db: SqlDatabase;
    store: OutboxStore;
    clock: typeof clock;
    client(options?: Partial<KlaviyoClientOptions>): KlaviyoClient;
    dispatcher(): ReturnType<typeof createDispatcher>;
    enqueue(messages: OutboxMessage[]): Promise<number>;
    requests(): Promise<Record<string, number>>;
  };
  withEmulator({ rateLimits: false }, (started) => {
    handle.emu = started;
    handle.account = [...started.emulator.accounts.values()][0] as Account;
  });
  beforeAll(async () => {
    handle.db = await freshSqlite();
    handle.store = new OutboxStore(handle.db);
  });
  afterAll(async () => handle.db?.close());
  afterEach(async () => {
    await handle.emu?.clearFaults();
  });
  return handle;
}
