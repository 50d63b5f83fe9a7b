import sql from 'sql-template-tag';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { Account } from '../../emulator/store/account.js';
import { createKlaviyoClient } from '../../lib/klaviyo-next/api/client.js';
import { EVENTS_SETTLE_MS } from '../../lib/klaviyo-next/outbox/deliver/events.js';
import { createDispatcher } from '../../lib/klaviyo-next/outbox/dispatcher.js';
import { pollImportJobs } from '../../lib/klaviyo-next/outbox/import-jobs.js';
import { OutboxStore } from '../../lib/klaviyo-next/outbox/store.js';
import { type OutboxMessage, profileMessage } from '../../lib/klaviyo-next/outbox/types.js';
import { openPostgres } from '../../lib/klaviyo-next/sql/postgres.js';
import type { SqlDatabase } from '../../lib/klaviyo-next/sql/types.js';
import { dropPostgres, freshPostgres } from '../support/databases.js';
import { type TestEmulator, withEmulator } from '../support/emulator.js';
import { orderEvents } from '../support/order-events.js';
import { describeWithPostgres, TEST_DATABASE_URL } from '../support/requirements.js';
import { virtualClock } from '../support/virtual-clock.js';

/**
 * Two workers, each with its own pool, drain one Postgres outbox at the same time while Klaviyo works
 * their jobs late and newest first. Whole orders (events with the profile write riding on them) and
 * writes without events (import jobs) interleave. At the end every event is recorded exactly once,
 * nothing is left or dead, and every person holds their newest value.
 */
describeWithPostgres('two dispatchers on one Postgres outbox', () => {
  let emu: TestEmulator;
  let account: Account;
  let db: SqlDatabase & { schema: string };
  let other: SqlDatabase;
  const clock = virtualClock(Date.parse('2026-07-15T12:00:00Z'));

  withEmulator({ rateLimits: false }, (started) => {
    emu = started;
    account = [...started.emulator.accounts.values()][0] as Account;
  });
  beforeAll(async () => {
    db = await freshPostgres();
    other = openPostgres(TEST_DATABASE_URL, { schema: db.schema, max: 5 });
  });
  afterAll(async () => {
    account.jobQueue.hold = false;
    account.jobQueue.order = 'arrival';
    await other.close();
    await dropPostgres(db);
  });

  const client = () =>
    createKlaviyoClient({ apiKey: emu.account.privateKey, baseUrl: emu.url, ...clock, governor: null });

  it('delivers nothing twice in a way that breaks newest-wins, and loses nothing', async () => {
    account.jobQueue.hold = true;
    account.jobQueue.order = 'newest-first';
    const stores = [new OutboxStore(db), new OutboxStore(other)];
    const messages: OutboxMessage[] = [];
    const PEOPLE = 30;
    for (let p = 0; p < PEOPLE; p++) {
      const email = `pg${p}@example.com`;
      // Two orders, each followed by its checkout's write: the second order's write is the newest.
      messages.push(
        ...orderEvents(`PG${p}a`, email),
        profileMessage(`pg${p}a`, { profile: { email, first_name: 'v1' } }),
        ...orderEvents(`PG${p}b`, email),
        profileMessage(`pg${p}b`, { profile: { email, first_name: 'v2' } }),
      );
    }
    const IMPORTED = 12;
    for (let p = 0; p < IMPORTED; p++) {
      const email = `imp${p}@example.com`;
      for (const v of ['v1', 'v2', 'v3'])
        messages.push(profileMessage(`imp${p}${v}`, { profile: { email, first_name: v } }));
    }
    await db.transaction((tx) => (stores[0] as OutboxStore).enqueue(tx, messages, clock.now()));

    const dispatchers = stores.map((store, i) =>
      createDispatcher({ store, client: client(), now: clock.now, owner: `worker-${i}`, batchSize: 60 }),
    );
    for (let step = 0; step < 40; step++) {
      // Both at once, each with its own pool: their claims interleave under SKIP LOCKED.
      await Promise.all(dispatchers.map((d) => d.drain()));
      account.runQueuedJobs({ release: true });
      await Promise.all(stores.map((store) => pollImportJobs(store, client(), { now: clock.now() })));
      const counts = await stores[0]?.counts();
      if (counts && counts.pending + counts.retrying === 0) break;
      clock.advanceTo(clock.now() + EVENTS_SETTLE_MS + 1);
    }
    account.runQueuedJobs({ release: true });
    expect(await stores[0]?.counts()).toMatchObject({ pending: 0, retrying: 0, dead: 0 });
    expect(await db.query(sql`SELECT state FROM klaviyo_outbox WHERE state <> 'delivered'`)).toEqual([]);

    const { events, suppressed } = await emu.inspect('?events=full');
    const ours = (events as { uniqueId: string }[]).filter((e) =>
      /^(placed-order|ordered-product):PG/.test(e.uniqueId),
    );
    expect(ours).toHaveLength(PEOPLE * 2 * 4);
    expect(new Set(ours.map((e) => e.uniqueId)).size).toBe(ours.length);
    // A resend Klaviyo dropped as a duplicate would show here; none is expected, and none may be lost.
    expect(
      (suppressed as { uniqueId: string }[]).filter((s) =>
        /^(placed-order|ordered-product):PG/.test(s.uniqueId),
      ),
    ).toEqual([]);
    for (let p = 0; p < PEOPLE; p++) {
      const found = await emu.api(
        `/api/profiles?filter=${encodeURIComponent(`equals(email,"pg${p}@example.com")`)}`,
      );
      expect(found.body.data[0]?.attributes.first_name, `pg${p}`).toBe('v2');
    }
    for (let p = 0; p < IMPORTED; p++) {
      const found = await emu.api(
        `/api/profiles?filter=${encodeURIComponent(`equals(email,"imp${p}@example.com")`)}`,
      );
      expect(found.body.data[0]?.attributes.first_name, `imp${p}`).toBe('v3');
    }
  });
});
