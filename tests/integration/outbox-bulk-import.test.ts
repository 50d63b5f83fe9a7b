import sql from 'sql-template-tag';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { Account } from '../../emulator/store/account.js';
import { createKlaviyoClient } from '../../lib/klaviyo-next/api/client.js';
import { IMPORT_FENCE_MS } from '../../lib/klaviyo-next/outbox/deliver/profiles.js';
import { createDispatcher } from '../../lib/klaviyo-next/outbox/dispatcher.js';
import { pollImportJobs } from '../../lib/klaviyo-next/outbox/import-jobs.js';
import { OutboxStore } from '../../lib/klaviyo-next/outbox/store.js';
import { type OutboxMessage, profileMessage } from '../../lib/klaviyo-next/outbox/types.js';
import type { SqlDatabase } from '../../lib/klaviyo-next/sql/types.js';
import { freshSqlite } from '../support/databases.js';
import { type TestEmulator, withEmulator } from '../support/emulator.js';
import { virtualClock } from '../support/virtual-clock.js';

/**
 * Profile writes without events go in one bulk_import_profiles job past a trickle. Each fences its
 * person until the job is polled complete; the job's import errors then dead-letter exactly the writes
 * they name, with Klaviyo's reason, and the fences lift.
 */
describe('profile writes in bulk import jobs', () => {
  let emu: TestEmulator;
  let db: SqlDatabase;
  let store: OutboxStore;
  let account: Account;
  const clock = virtualClock(Date.parse('2026-07-15T12:00:00Z'));

  withEmulator({ rateLimits: false }, (started) => {
    emu = started;
    account = [...started.emulator.accounts.values()][0] as Account;
  });
  beforeAll(async () => {
    db = await freshSqlite();
    store = new OutboxStore(db);
  });
  afterAll(async () => db.close());
  afterEach(() => {
    account.jobQueue.hold = false;
  });

  const client = () =>
    createKlaviyoClient({ apiKey: emu.account.privateKey, baseUrl: emu.url, ...clock, governor: null });
  const dispatcher = () => createDispatcher({ store, client: client(), now: clock.now });
  const enqueue = (messages: OutboxMessage[]) =>
    db.transaction((tx) => store.enqueue(tx, messages, clock.now()));
  const requests = async () => (await emu.inspect()).requests as Record<string, number>;
  const fences = () =>
    db.query<{ order_key: string; until_ms: number; job: string | null }>(
      sql`SELECT order_key, until_ms, job FROM klaviyo_outbox_fences ORDER BY order_key`,
    );

  it('imports in one job, dead-letters exactly what its import errors name with the reason, then lifts the fences', async () => {
    // Klaviyo works the job when it gets to it: held here until the test says so.
    account.jobQueue.hold = true;
    const writes = [
      ...[1, 2, 3, 4].map((i) =>
        profileMessage(`w${i}`, { profile: { email: `w${i}@example.com`, first_name: `W${i}` } }),
      ),
      profileMessage('bad', { profile: { email: 'not-an-address' } }),
      profileMessage('badphone', { profile: { email: 'phone@example.com', phone_number: '555-0100' } }),
    ];
    await enqueue(writes);
    const before = await requests();
    expect(await dispatcher().drain()).toMatchObject({ delivered: 6, dead: 0 });
    const after = await requests();
    expect((after.bulk_import_profiles ?? 0) - (before.bulk_import_profiles ?? 0)).toBe(1);
    expect((after.create_or_update_profile ?? 0) - (before.create_or_update_profile ?? 0)).toBe(0);
    const fenced = await fences();
    expect(fenced).toHaveLength(6);
    const job = fenced[0]?.job;
    expect(job).toBeTruthy();
    expect(new Set(fenced.map((f) => f.job))).toEqual(new Set([job]));
    expect(fenced.every((f) => Number(f.until_ms) === clock.now() + IMPORT_FENCE_MS)).toBe(true);

    // w1's next write waits for the job: not claimable while it is fenced.
    await enqueue([
      profileMessage('w1-later', { profile: { email: 'w1@example.com', first_name: 'Later' } }),
    ]);
    expect(await dispatcher().drain()).toMatchObject({ claimed: 0 });

    // Polled while Klaviyo has not run it: nothing changes, the fences hold.
    clock.advanceTo(clock.now() + 60_000);
    const waiting = await pollImportJobs(store, client(), { now: clock.now() });
    expect(waiting).toMatchObject({ polled: 1, completed: 0, deadLettered: 0 });
    expect(await fences()).toHaveLength(6);

    // Klaviyo runs it: two import errors.
    account.runQueuedJobs({ release: true });
    const done = await pollImportJobs(store, client(), { now: clock.now() });
    expect(done).toMatchObject({ polled: 1, completed: 1, deadLettered: 2, unmatched: 0 });
    const dead = await store.list({ state: 'dead' });
    expect(dead.map((r) => r.key).sort()).toEqual(['profile:bad', 'profile:badphone']);
    const bad = dead.find((r) => r.key === 'profile:bad');
    expect(bad?.lastError).toMatchObject({
      code: 'invalid',
      pointer: expect.stringMatching(/\/attributes\/email$/),
    });
    expect(bad?.lastError?.detail).toContain('not-an-address');
    expect(dead.find((r) => r.key === 'profile:badphone')?.lastError).toMatchObject({
      code: 'invalid',
      pointer: expect.stringMatching(/\/attributes\/phone_number$/),
    });
    // The four others stay delivered and were imported.
    expect((await store.counts()).delivered).toBe(4);
    const w2 = await emu.api(`/api/profiles?filter=${encodeURIComponent('equals(email,"w2@example.com")')}`);
    expect(w2.body.data[0].attributes.first_name).toBe('W2');
    expect(await fences()).toEqual([]);

    // A second poller (another worker) finds nothing left to do.
    expect(await pollImportJobs(store, client(), { now: clock.now() })).toMatchObject({ polled: 0 });

    // w1's later write goes now (a trickle: one call).
    account.jobQueue.hold = false;
    expect(await dispatcher().drain()).toMatchObject({ delivered: 1 });
    await emu.settle();
    const w1 = await emu.api(`/api/profiles?filter=${encodeURIComponent('equals(email,"w1@example.com")')}`);
    expect(w1.body.data[0].attributes.first_name).toBe('Later');
  });

  it('a job Klaviyo no longer knows (404) lifts its fences', async () => {
    await db.query(sql`DELETE FROM klaviyo_outbox_fences`);
    await db.query(sql`INSERT INTO klaviyo_outbox_fences (order_key, until_ms, job)
      VALUES ('person:gone@example.com', ${clock.now() + 1_000}, 'no-such-job')`);
    expect(await pollImportJobs(store, client(), { now: clock.now() })).toMatchObject({ completed: 1 });
    expect(await fences()).toEqual([]);
  });
});
