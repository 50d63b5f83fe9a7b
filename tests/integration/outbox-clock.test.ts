import sql from 'sql-template-tag';
import { beforeEach, expect, it } from 'vitest';
import { createKlaviyoClient } from '../../lib/klaviyo-next/api/client.js';
import { createDispatcher } from '../../lib/klaviyo-next/outbox/dispatcher.js';
import type { OutboxStore } from '../../lib/klaviyo-next/outbox/store.js';
import type { SqlDatabase } from '../../lib/klaviyo-next/sql/types.js';
import type { TestEmulator } from '../support/emulator.js';
import { enqueueOrders, orderEvents } from '../support/order-events.js';
import { leasedCount, useEmulatorAndPostgresOutbox } from '../support/outbox-fixtures.js';
import { describeWithPostgres } from '../support/requirements.js';

/**
 * Hosts sharing one Postgres outbox do not share a clock: one five minutes fast, another five minutes
 * slow. Leases, `available_at` and the account pause are stamped and compared in the database's clock
 * (the dispatcher reads it once a round: store.now()), so the fast host neither takes the slow one's
 * leased rows (a lease looks expired five minutes early on its clock) nor sends what is not due yet.
 * Each case also runs the same fast host on its own clock (storeClock: false), to show the case would
 * catch the fault.
 */

const SKEW_MS = 5 * 60_000;
const fast = () => Date.now() + SKEW_MS;
const slow = () => Date.now() - SKEW_MS;

describeWithPostgres('two hosts whose clocks differ by ten minutes on one Postgres outbox', () => {
  let emu: TestEmulator;
  let db: SqlDatabase;
  let store: OutboxStore;
  const world = useEmulatorAndPostgresOutbox();
  beforeEach(() => {
    ({ emu, db, store } = world);
  });

  const dispatcher = (now: () => number, storeClock = true) =>
    createDispatcher({
      store,
      // Failures come back at once: no retry inside the call, so the dispatcher schedules it.
      client: createKlaviyoClient({
        apiKey: emu.account.privateKey,
        baseUrl: emu.url,
        governor: null,
        retry: { maxRetries: 0, maxThrottledRetries: 0 },
      }),
      account: emu.account.id,
      now,
      storeClock,
      // A lease of a minute: far shorter than the skew.
      leaseMs: 60_000,
    });
  async function untilLeased() {
    while ((await leasedCount(db)) === 0) await new Promise((r) => setTimeout(r, 20));
  }

  it('the fast host never takes rows the slow one holds; on its own clock it would', async () => {
    const ids = await enqueueOrders(db, store, 5, 'CLK-L'); // 20 events
    await emu.setFaults({ latencyMs: 1_500, operations: ['bulk_create_events', 'create_event'] });
    const slowRound = dispatcher(slow).round();
    await untilLeased();
    expect(await dispatcher(fast).round()).toMatchObject({ claimed: 0 });
    expect(await slowRound).toMatchObject({ claimed: ids.length, delivered: ids.length });

    // Control: the same, with the fast host stamping and comparing on its own clock.
    // (Enqueued on the slow host's clock too, or it would not see them as due.)
    const again = Array.from({ length: 5 }, (_, i) => orderEvents(`CLK-M${i}`, `m${i}@example.com`)).flat();
    await db.transaction((tx) => store.enqueue(tx, again, slow()));
    const slowAgain = dispatcher(slow, false).round();
    await untilLeased();
    const stolen = await dispatcher(fast, false).round();
    expect(stolen.claimed).toBe(again.length);
    await slowAgain;
  });

  it('a retry the slow host scheduled is not sent early by the fast one; on its own clock it would be', async () => {
    await enqueueOrders(db, store, 1, 'CLK-R');
    await emu.setFaults({ down: true });
    expect(await dispatcher(slow).round()).toMatchObject({ delivered: 0, retrying: 4 });
    await emu.clearFaults();
    // Backed off for a second or two on the database's clock: not due for anyone yet.
    expect(await dispatcher(fast).round()).toMatchObject({ claimed: 0 });
    expect(await dispatcher(fast, false).round()).toMatchObject({ claimed: 4 });
  });

  it('the pause after a 429 holds the fast host too; on its own clock it would send', async () => {
    await enqueueOrders(db, store, 1, 'CLK-P');
    await emu.setFaults({ storm429: { count: 1, retryAfterSeconds: 30 } });
    const throttled = await dispatcher(slow).round();
    expect(throttled.pausedUntil).toBeGreaterThan(0);
    expect(throttled.throttled).toBe(1);
    const [pause] = await db.query<{ until_ms: number }>(sql`SELECT until_ms FROM klaviyo_outbox_pause`);
    // Stamped on the database's clock, not the slow host's.
    expect(Math.abs(Number(pause?.until_ms) - (Date.now() + 30_000))).toBeLessThan(5_000);
    expect(await dispatcher(fast).round()).toMatchObject({ claimed: 0, pausedUntil: throttled.pausedUntil });
    await db.query(sql`UPDATE klaviyo_outbox SET available_at = 0`); // only the pause holds them now
    expect((await dispatcher(fast, false).round()).claimed).toBeGreaterThan(0);
  });

  it('a message enqueued by the fast host is due at once for everyone', async () => {
    const [order] = orderEvents('CLK-E', 'e@example.com');
    if (!order) throw new Error('no order event');
    const ids = await db.transaction((tx) => store.enqueue(tx, [order], fast()));
    expect(ids).toBe(1);
    const [row] = await db.query<{ available_at: number }>(sql`SELECT available_at FROM klaviyo_outbox`);
    expect(Number(row?.available_at)).toBeLessThanOrEqual(await store.now());
    expect(await dispatcher(slow).round()).toMatchObject({ claimed: 1, delivered: 1 });
  });
});
