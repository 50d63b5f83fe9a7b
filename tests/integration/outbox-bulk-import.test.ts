import sql from 'sql-template-tag';
import { afterEach, describe, expect, it } from 'vitest';
import { IMPORT_FENCE_MS } from '../../lib/klaviyo-next/outbox/deliver/profiles.js';
import { pollImportJobs } from '../../lib/klaviyo-next/outbox/import-jobs.js';
import { profileMessage } from '../../lib/klaviyo-next/outbox/types.js';

/**
 * Profile writes without events go in one bulk_import_profiles job past a trickle. Each fences its
 * person until the job is polled complete; the job's import errors then dead-letter exactly the writes
 * they name, with Klaviyo's reason, and the fences lift.
 */
import { useEmulatorAndSqliteOutbox } from '../support/outbox-fixtures.js';

describe('profile writes in bulk import jobs', () => {
  const outbox = useEmulatorAndSqliteOutbox();
  const { clock } = outbox;

  afterEach(() => {
    outbox.account.jobQueue.hold = false;
  });

  const { client } = outbox;
  const { dispatcher } = outbox;
  const { enqueue } = outbox;
  const { requests } = outbox;
  const fences = () =>
    outbox.db.query<{ order_key: string; until_ms: number; job: string | null }>(
      sql`SELECT order_key, until_ms, job FROM klaviyo_outbox_fences ORDER BY order_key`,
    );

  it('imports in one job, dead-letters exactly what its import errors name with the reason, then lifts the fences', async () => {
    // Klaviyo works the job when it gets to it: held here until the test says so.
    outbox.account.jobQueue.hold = true;
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
    const waiting = await pollImportJobs(outbox.store, client(), { now: clock.now() });
    expect(waiting).toMatchObject({ polled: 1, completed: 0, deadLettered: 0 });
    expect(await fences()).toHaveLength(6);

    // Klaviyo runs it: two import errors.
    outbox.account.runQueuedJobs({ release: true });
    const done = await pollImportJobs(outbox.store, client(), { now: clock.now() });
    expect(done).toMatchObject({ polled: 1, completed: 1, deadLettered: 2, unmatched: 0 });
    const dead = await outbox.store.list({ state: 'dead' });
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
    expect((await outbox.store.counts()).delivered).toBe(4);
    const w2 = await outbox.emu.api(
      `/api/profiles?filter=${encodeURIComponent('equals(email,"w2@example.com")')}`,
    );
    expect(w2.body.data[0].attributes.first_name).toBe('W2');
    expect(await fences()).toEqual([]);

    // A second poller (another worker) finds nothing left to do.
    expect(await pollImportJobs(outbox.store, client(), { now: clock.now() })).toMatchObject({ polled: 0 });

    // w1's later write goes now (a trickle: one call).
    outbox.account.jobQueue.hold = false;
    expect(await dispatcher().drain()).toMatchObject({ delivered: 1 });
    await outbox.emu.settle();
    const w1 = await outbox.emu.api(
      `/api/profiles?filter=${encodeURIComponent('equals(email,"w1@example.com")')}`,
    );
    expect(w1.body.data[0].attributes.first_name).toBe('Later');
  });

  it('a job Klaviyo no longer knows (404) lifts its fences', async () => {
    await outbox.db.query(sql`DELETE FROM klaviyo_outbox_fences`);
    await outbox.db.query(sql`INSERT INTO klaviyo_outbox_fences (order_key, until_ms, job)
      VALUES ('person:gone@example.com', ${clock.now() + 1_000}, 'no-such-job')`);
    expect(await pollImportJobs(outbox.store, client(), { now: clock.now() })).toMatchObject({
      completed: 1,
    });
    expect(await fences()).toEqual([]);
  });
});
