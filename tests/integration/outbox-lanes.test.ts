import sql from 'sql-template-tag';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { consentChange } from '../../lib/klaviyo-next/events/consent.js';
import type { TrackEvent } from '../../lib/klaviyo-next/events/event.js';
import { createDispatcher } from '../../lib/klaviyo-next/outbox/dispatcher.js';
import { OutboxStore } from '../../lib/klaviyo-next/outbox/store.js';
import {
  consentMessage,
  eventMessage,
  type OutboxMessage,
  orderKeyOf,
  profileMessage,
} from '../../lib/klaviyo-next/outbox/types.js';
import type { SqlDatabase } from '../../lib/klaviyo-next/sql/types.js';
import { dropPostgres, freshPostgres, freshSqlite } from '../support/databases.js';
import { type TestEmulator, withEmulator } from '../support/emulator.js';
import { orderEvents } from '../support/order-events.js';
import { clockedClient, recordedCounts } from '../support/outbox-fixtures.js';
import { describeWithPostgres } from '../support/requirements.js';
import { virtualClock } from '../support/virtual-clock.js';

/**
 * Lanes (issue 12, item 4): browse events the browser reports (lane 1) are claimed after everything
 * the store records (lane 0), so a flood of Viewed Product never delays a Placed Order; and lane 1 is
 * still delivered, once lane 0 is empty. Fences: a person whose last write Klaviyo applies later is
 * not claimed until the fence passes, while everyone else is.
 */

const START = Date.parse('2026-07-15T12:00:00Z');

const viewed = (i: number, tag: string): OutboxMessage => {
  const event: TrackEvent = {
    metric: 'Viewed Product',
    uniqueId: `viewed-product:${tag}:${i}`,
    time: '2026-07-15T11:59:00Z',
    profile: { email: `browser${i % 200}@example.com` },
    properties: { ProductName: 'Tee', ProductID: 'tee', VariantID: `tee-${i % 7}` },
  };
  return eventMessage(event);
};

function lanesContract(
  name: string,
  open: () => Promise<SqlDatabase>,
  close: (db: SqlDatabase) => Promise<void>,
) {
  describe(`lanes and fences on ${name}`, () => {
    let emu: TestEmulator;
    let db: SqlDatabase;
    let store: OutboxStore;
    const clock = virtualClock(START);

    withEmulator({ rateLimits: false }, (started) => {
      emu = started;
    });
    beforeAll(async () => {
      db = await open();
      store = new OutboxStore(db);
    });
    beforeEach(async () => {
      await db.query(sql`DELETE FROM klaviyo_outbox`);
      await db.query(sql`DELETE FROM klaviyo_outbox_fences`);
      await db.query(sql`DELETE FROM klaviyo_outbox_delivered_hours`);
    });
    afterAll(async () => close(db));

    const dispatcher = () =>
      createDispatcher({
        store,
        client: clockedClient(emu, clock),
        now: clock.now,
      });
    const enqueue = (messages: OutboxMessage[]) =>
      db.transaction((tx) => store.enqueue(tx, messages, clock.now()));
    const stateOf = async (key: string) =>
      (await db.query<{ state: string }>(sql`SELECT state FROM klaviyo_outbox WHERE dedup_key = ${key}`))[0]
        ?.state;

    it('a Placed Order enqueued after 2,500 Viewed Product is claimed in the first round; the views follow, each once', async () => {
      const flood = Array.from({ length: 2500 }, (_, i) => viewed(i, `${name}-flood`));
      await enqueue(flood);
      const [placed, ...lines] = orderEvents(`LANE-${name}`, 'buyer@example.com');
      if (!placed) throw new Error('no order');
      await enqueue([placed, ...lines]);

      const first = await dispatcher().round();
      expect(first.claimed).toBe(1000);
      expect(await stateOf(placed.key)).toBe('delivered');
      for (const line of lines) expect(await stateOf(line.key)).toBe('delivered');

      // Another order arriving mid-flood goes in the very next round.
      const [later] = orderEvents(`LANE2-${name}`, 'buyer2@example.com');
      if (!later) throw new Error('no order');
      await enqueue([later]);
      await dispatcher().round();
      expect(await stateOf(later.key)).toBe('delivered');

      // With lane 0 empty, the flood is delivered, every view once.
      await dispatcher().drain();
      expect(await store.counts()).toMatchObject({ pending: 0, retrying: 0, dead: 0 });
      const seen = await recordedCounts(emu);
      const views = flood.map((m) => (m.kind === 'event' ? m.payload.uniqueId : ''));
      expect(views.filter((id) => seen.get(id) !== 1)).toEqual([]);
      expect(seen.get(placed.kind === 'event' ? placed.payload.uniqueId : '')).toBe(1);
    });

    it('lane 0 is everything the store records: profile writes, consent and order events go before browsing', async () => {
      await enqueue(Array.from({ length: 30 }, (_, i) => viewed(i, `${name}-kinds`)));
      const consent = consentMessage(
        consentChange({
          channel: 'email',
          status: 'SUBSCRIBED',
          profile: { email: 'lane-consent@example.com' },
          consentedAt: '2026-07-15T12:00:00Z',
          source: 'Checkout',
        }),
      );
      const profile = profileMessage('lane-profile', { profile: { email: 'lane-profile@example.com' } });
      await enqueue([consent, profile]);
      const claimed = await store.claim('lanes', 2, 60_000, clock.now());
      expect(claimed.map((r) => r.key).sort()).toEqual([consent.key, profile.key].sort());
      await store.release(
        'lanes',
        claimed.map((r) => r.id),
      );
    });

    it('a claim takes at most maxEvents events: the next rows in order up to the one past the cap', async () => {
      const events = (tag: string) => Array.from({ length: 5 }, (_, i) => viewed(i, `${name}-cap-${tag}`));
      const profile = profileMessage('cap', { profile: { email: 'cap@example.com' } });
      const [first, second] = [events('a'), events('b')];
      await enqueue([...first, profile, ...second]);
      const claimed = await store.claim('cap', 100, 60_000, clock.now(), undefined, 6);
      // Lane 0 first (the profile write), then the first six views.
      expect(claimed.map((r) => r.key).sort()).toEqual(
        [profile.key, ...first.map((m) => m.key), second[0]?.key ?? ''].sort(),
      );
      // Through the dispatcher: batchSize events a round, the profile writes beside them (maxRows).
      await store.release(
        'cap',
        claimed.map((r) => r.id),
      );
      const round = await createDispatcher({
        store,
        client: clockedClient(emu, clock),
        now: clock.now,
        batchSize: 4,
      }).round();
      expect(round.claimed).toBe(5);
    });

    it('a fenced person is not claimed until the fence passes; another person’s message is', async () => {
      const fenced = profileMessage('fenced', {
        profile: { email: 'fenced@example.com' },
        properties: { v: 2 },
      });
      const other = profileMessage('other', {
        profile: { email: 'other@example.com' },
        properties: { v: 1 },
      });
      await enqueue([fenced, other]);
      const orderKey = orderKeyOf(fenced);
      if (!orderKey) throw new Error('no order key');
      const until = clock.now() + 30_000;
      // The fence a delivered asynchronous write leaves (markDelivered's fences), for this person.
      await db.query(
        sql`INSERT INTO klaviyo_outbox_fences (order_key, until_ms, job) VALUES (${orderKey}, ${until}, NULL)`,
      );

      const now = await store.claim('fences', 10, 60_000, clock.now());
      expect(now.map((r) => r.key)).toEqual([other.key]);
      expect(await store.claim('fences', 10, 60_000, until - 1)).toEqual([]);
      const after = await store.claim('fences', 10, 60_000, until + 1);
      expect(after.map((r) => r.key)).toEqual([fenced.key]);
    });

    it('through the dispatcher: a profile write riding on its person’s events fences their consent, not someone else’s', async () => {
      const [placed, ...lines] = orderEvents(`FENCE-${name}`, 'rider@example.com');
      if (!placed) throw new Error('no order');
      const ride = profileMessage(`rider-${name}`, {
        profile: { email: 'rider@example.com' },
        properties: { 'NW Lifetime Orders': 1 },
      });
      const consentOf = (email: string) =>
        consentMessage(
          consentChange({
            channel: 'email',
            status: 'SUBSCRIBED',
            profile: { email },
            consentedAt: '2026-07-15T12:00:00Z',
            source: 'Checkout',
          }),
        );
      const riderConsent = consentOf('rider@example.com');
      const strangerConsent = consentOf('stranger@example.com');
      await enqueue([placed, ...lines, ride, riderConsent, strangerConsent]);
      await dispatcher().drain();
      expect(await stateOf(ride.key)).toBe('delivered');
      expect(await stateOf(strangerConsent.key)).toBe('delivered');
      // The rider's consent waits: Klaviyo applies the events job (and the profile on it) later.
      expect(await stateOf(riderConsent.key)).toBe('pending');
      const [fence] = await db.query<{ until_ms: number }>(sql`SELECT until_ms FROM klaviyo_outbox_fences`);
      clock.advanceTo(Number(fence?.until_ms) + 1);
      await emu.settle();
      await dispatcher().drain();
      expect(await stateOf(riderConsent.key)).toBe('delivered');
    });
  });
}

lanesContract('SQLite', freshSqlite, (db) => db.close());
describeWithPostgres('Postgres', () => {
  lanesContract('Postgres', freshPostgres, (db) => dropPostgres(db as SqlDatabase & { schema: string }));
});
