import sql from 'sql-template-tag';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { EVENTS_SETTLE_MS } from '../../lib/klaviyo-next/outbox/deliver/events.js';
import {
  type DeliverOptions,
  deliverAll,
  KNOWN_KINDS,
  roundControl,
} from '../../lib/klaviyo-next/outbox/deliver/index.js';
import { pollImportJobs } from '../../lib/klaviyo-next/outbox/import-jobs.js';
import type { OutboxFence } from '../../lib/klaviyo-next/outbox/store.js';
import { orderKeyOf, profileMessage } from '../../lib/klaviyo-next/outbox/types.js';
import { orderEvents } from '../support/order-events.js';
import { useEmulatorAndSqliteOutbox } from '../support/outbox-fixtures.js';

/**
 * Newest wins although Klaviyo works jobs asynchronously, in any order and late. The emulator here
 * holds every job and runs them newest first. A person's writes go in order (the outbox's chain per
 * order key), and an asynchronous one fences the person until it settles, so the newer write is only
 * sent once the older has been applied. Each scenario runs twice, the same steps: with the fences
 * (the newest value wins) and without them (DeliverOptions.fences false: the older value, applied
 * last, wins), so the test shows the fence is what holds it.
 */
describe('the newest profile value wins under reversed, late jobs', () => {
  const outbox = useEmulatorAndSqliteOutbox();
  const { clock } = outbox;

  beforeEach(async () => {
    await outbox.emu.settle();
    outbox.account.jobQueue.hold = true;
    outbox.account.jobQueue.order = 'newest-first';
  });
  afterEach(() => {
    outbox.account.jobQueue.hold = false;
    outbox.account.jobQueue.order = 'arrival';
  });

  const { client } = outbox;

  /** One dispatcher round, settled as the dispatcher settles: delivered with their fences, the rest released. */
  async function round(options: DeliverOptions) {
    const records = await outbox.store.claim('newest', 1000, 60_000, clock.now(), KNOWN_KINDS);
    const outcomes = await deliverAll(
      client(),
      records,
      new Map(),
      roundControl(undefined, clock.now),
      options,
    );
    const delivered: number[] = [];
    const fences: OutboxFence[] = [];
    for (const record of records) {
      const outcome = outcomes.get(record.id);
      if (outcome?.kind !== 'delivered') continue;
      delivered.push(record.id);
      const orderKey = orderKeyOf(record);
      if (outcome.settles && orderKey) fences.push({ orderKey, ...outcome.settles });
    }
    expect(delivered).toHaveLength(records.length);
    await outbox.store.markDelivered('newest', delivered, clock.now(), fences);
  }

  /** Klaviyo gets round to the jobs it holds, newest first; then the import jobs are polled. */
  async function klaviyoCatchesUp() {
    outbox.account.runQueuedJobs({ release: true });
    await pollImportJobs(outbox.store, client(), { now: clock.now() });
  }

  const firstName = async (email: string) => {
    const found = await outbox.emu.api(
      `/api/profiles?filter=${encodeURIComponent(`equals(email,"${email}")`)}`,
    );
    return found.body.data[0]?.attributes.first_name as string | undefined;
  };

  const { enqueue } = outbox;

  for (const fences of [true, false]) {
    it(`two writes through profile import jobs: ${fences ? 'with the fence the newest wins' : 'without the fence the older wins'}`, async () => {
      const email = `import-${fences}@example.com`;
      await enqueue([
        profileMessage(`old-${fences}`, { profile: { email, first_name: 'Old' } }),
        profileMessage(`new-${fences}`, { profile: { email, first_name: 'New' } }),
      ]);
      // Always through import jobs (profileTrickle 1), so both writes are asynchronous.
      const options: DeliverOptions = { fences, profileTrickle: 1 };
      await round(options); // the older write: job 1
      await round(options); // the newer write, unless fenced: job 2
      await klaviyoCatchesUp(); // newest first
      await round(options); // the newer write, once job 1 is complete
      await klaviyoCatchesUp();
      expect(await outbox.store.counts()).toMatchObject({ pending: 0, retrying: 0, dead: 0 });
      expect(await firstName(email)).toBe(fences ? 'New' : 'Old');
    });

    it(`two writes riding on events jobs: ${fences ? 'with the fence the newest wins' : 'without the fence the older wins'}`, async () => {
      const email = `ride-${fences}@example.com`;
      await enqueue([
        ...[1, 2, 3].flatMap((i) => orderEvents(`OLD${i}-${fences}`, email)),
        profileMessage(`ride-old-${fences}`, { profile: { email, first_name: 'Old' } }),
        profileMessage(`ride-new-${fences}`, { profile: { email, first_name: 'New' } }),
      ]);
      const options: DeliverOptions = { fences };
      await round(options); // the events job, carrying the older write
      await round(options); // the newer write on its own, unless fenced for the window
      await klaviyoCatchesUp(); // Klaviyo applies the events job within the window
      clock.advanceTo(clock.now() + EVENTS_SETTLE_MS + 1);
      await round(options);
      await klaviyoCatchesUp();
      expect(await outbox.store.counts()).toMatchObject({ pending: 0, retrying: 0, dead: 0 });
      expect(
        await outbox.db.query(sql`SELECT 1 FROM klaviyo_outbox_fences WHERE until_ms > ${clock.now()}`),
      ).toEqual([]);
      expect(await firstName(email)).toBe(fences ? 'New' : 'Old');
    });
  }
});
