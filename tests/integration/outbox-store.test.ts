import type { Sql as SqlQuery } from 'sql-template-tag';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { consentChange } from '../../lib/klaviyo-next/events/consent.js';
import { OutboxStore } from '../../lib/klaviyo-next/outbox/store.js';
import {
  consentMessage,
  type OutboxMessage,
  type OutboxRecord,
  profileMessage,
} from '../../lib/klaviyo-next/outbox/types.js';
import { openPostgres } from '../../lib/klaviyo-next/sql/postgres.js';
import type { SqlDatabase } from '../../lib/klaviyo-next/sql/types.js';
import { dropPostgres, freshPostgres, freshSqlite } from '../support/databases.js';
import { orderEvents } from '../support/order-events.js';
import { describeWithPostgres, TEST_DATABASE_URL } from '../support/requirements.js';

/** An order's Placed Order event (the delivery bench's orders); its key follows the order id. */
const message = (id: string) => orderEvents(id, 'a@example.com')[0] as OutboxMessage;

function outboxContract(
  name: string,
  open: () => Promise<SqlDatabase>,
  close: (db: SqlDatabase) => Promise<void>,
) {
  describe(`outbox store on ${name}`, () => {
    let db: SqlDatabase;
    let store: OutboxStore;
    beforeAll(async () => {
      db = await open();
      store = new OutboxStore(db);
    });
    afterAll(async () => close(db));

    it('commits messages with the caller’s write and not without it', async () => {
      await db.transaction(async (tx) => store.enqueue(tx, [message('A1'), message('A2')]));
      await expect(
        db.transaction(async (tx) => {
          await store.enqueue(tx, [message('A3')]);
          throw new Error('the order write failed');
        }),
      ).rejects.toThrow('the order write failed');
      const keys = (await store.list({ limit: 10 })).map((r) => r.key);
      expect(keys).toContain('event:placed-order:A1');
      expect(keys).not.toContain('event:placed-order:A3');
    });

    it('stores a fact once, however often it is enqueued', async () => {
      const added = await db.transaction(async (tx) => store.enqueue(tx, [message('B1'), message('B1')]));
      expect(added).toBe(1);
      expect(await db.transaction(async (tx) => store.enqueue(tx, [message('B1')]))).toBe(0);
    });

    it('enqueueEach answers per message, in order: the first of a key stored, a repeat or a known key not', async () => {
      await db.transaction(async (tx) => store.enqueue(tx, [message('G0')]));
      const stored = await db.transaction(async (tx) =>
        store.enqueueEach(tx, [message('G1'), message('G0'), message('G2'), message('G1'), message('G3')]),
      );
      expect(stored).toEqual([true, false, true, false, true]);
      const ours = (await store.list({ limit: 50 })).filter((r) => /:G\d$/.test(r.key));
      // One row each, in the order given: per-person order follows the ids.
      expect(ours.sort((a, b) => a.id - b.id).map((r) => r.key.slice(-2))).toEqual(['G0', 'G1', 'G2', 'G3']);
    });

    it('leases due messages to one worker at a time; an expired lease is claimed again', async () => {
      await db.transaction(async (tx) => store.enqueue(tx, [message('C1')], 1_000));
      const t = 10_000;
      const first = await store.claim('w1', 1000, 30_000, t);
      const second = await store.claim('w2', 1000, 30_000, t + 1);
      expect(first.length).toBeGreaterThan(0);
      expect(second).toEqual([]);
      const again = await store.claim('w2', 1000, 30_000, t + 30_001);
      expect(again.map((r) => r.id)).toEqual(first.map((r) => r.id));
    });

    it('moves messages through retrying, delivered, dead and replay', async () => {
      await db.transaction(async (tx) => store.enqueue(tx, [message('D1'), message('D2')], 0));
      const claimed = (await store.claim('w', 1000, 1000, 50_000_000)).filter((r) => r.key.includes(':D'));
      const [d1, d2] = claimed;
      if (!d1 || !d2) throw new Error('expected D1 and D2');
      await store.markRetry(
        'w',
        [d1.id],
        { status: 503, code: 'server_error', detail: 'down' },
        60_000_000,
        true,
        50_000_000,
      );
      await store.markDead(
        'w',
        [d2.id],
        { status: 400, code: 'invalid', detail: 'bad', pointer: '/data/attributes/time' },
        50_000_000,
      );
      const dueAgain = await store.claim('w', 1000, 1000, 55_000_000);
      expect(dueAgain.filter((r) => r.key.includes(':D'))).toEqual([]);
      const dead = await store.list({ state: 'dead' });
      expect(dead.map((r) => r.id)).toEqual([d2.id]);
      expect(dead[0]?.lastError).toMatchObject({ code: 'invalid', pointer: '/data/attributes/time' });
      expect(await store.replay(undefined, 60_000_000)).toEqual({ replayed: [d2.id], skipped: [] });
      const again = (await store.claim('w2', 1000, 1000, 70_000_000)).filter((r) => r.key.includes(':D'));
      expect(again.map((r) => r.id).sort()).toEqual([d1.id, d2.id].sort());
      await store.markDelivered('w2', [d1.id, d2.id]);
      expect((await store.counts()).dead).toBe(0);
    });

    it('ignores the marks of a worker whose lease ran out and whose rows another worker claimed', async () => {
      await db.transaction(async (tx) => store.enqueue(tx, [message('E1')], 0));
      const [first] = (await store.claim('slow', 1000, 1_000, 80_000_000)).filter((r) =>
        r.key.includes(':E1'),
      );
      if (!first) throw new Error('expected E1');
      const [second] = (await store.claim('fast', 1000, 1_000, 80_002_000)).filter((r) =>
        r.key.includes(':E1'),
      );
      expect(second?.id).toBe(first.id);
      await store.markDelivered('fast', [first.id], 80_002_500);
      await store.markRetry(
        'slow',
        [first.id],
        { status: 503, code: 'server_error', detail: 'late' },
        90_000_000,
        true,
        80_003_000,
      );
      const [row] = (await store.list({ limit: 200 })).filter((r) => r.id === first.id);
      expect(row?.state).toBe('delivered');
    });

    it('hands out one person’s profile writes and consent changes one at a time, oldest first', async () => {
      const t = 100_000_000;
      const lifetime = (n: number) =>
        profileMessage(`order:F${n}`, {
          profile: { email: 'f@example.com', _kx: 'kx.F' },
          properties: { 'NW Lifetime Orders': n },
        });
      const consent = (status: 'SUBSCRIBED' | 'UNSUBSCRIBED', at: string) =>
        consentMessage(
          consentChange({
            channel: 'email',
            status,
            profile: { email: 'f@example.com' },
            consentedAt: at,
            source: 'F',
          }),
        );
      const subscribed = consent('SUBSCRIBED', '2026-07-15T12:00:00Z');
      const unsubscribed = consent('UNSUBSCRIBED', '2026-07-15T12:05:00Z');
      const other = profileMessage('other:F', { profile: { email: 'g@example.com' } });
      await db.transaction((tx) =>
        store.enqueue(tx, [lifetime(1), subscribed, lifetime(2), unsubscribed, other, message('F1')], t),
      );
      // Rows other tests left due are claimed too; this test's rows are the ones enqueued at t.
      const ours = (records: OutboxRecord[]) => records.filter((r) => r.createdAt === t);
      const keys = (records: OutboxRecord[]) => ours(records).map((r) => r.key);
      const first = await store.claim('w', 1000, 1000, t);
      expect(keys(first)).toEqual([lifetime(1).key, other.key, 'event:placed-order:F1']);
      // The oldest backs off: everything else about that person waits behind it, however long.
      const [older] = ours(first);
      if (!older) throw new Error('expected the oldest profile write');
      await store.markRetry(
        'w',
        [older.id],
        { status: 503, code: 'server_error', detail: 'down' },
        t + 60_000,
        true,
        t,
      );
      await store.markDelivered(
        'w',
        first.filter((r) => r.id !== older.id).map((r) => r.id),
        t,
      );
      expect(keys(await store.claim('w', 1000, 1000, t + 30_000))).toEqual([]);
      const handedOut: string[] = [];
      for (let at = t + 60_000; handedOut.length < 4 && at < t + 60_010; at++) {
        const claimed = ours(await store.claim('w', 1000, 1000, at));
        expect(claimed.length).toBeLessThanOrEqual(1);
        handedOut.push(...claimed.map((r) => r.key));
        await store.markDelivered(
          'w',
          claimed.map((r) => r.id),
          at,
        );
      }
      expect(handedOut).toEqual([lifetime(1).key, subscribed.key, lifetime(2).key, unsubscribed.key]);
    });

    it('replays no dead profile write or consent change a newer one for the same person replaced, and says why', async () => {
      const t = 200_000_000;
      const person = 'r@example.com';
      const write = (n: number, name: string) =>
        profileMessage(`replay:R${n}`, { profile: { email: person, first_name: name } });
      const consent = (channel: 'email' | 'sms', status: 'SUBSCRIBED' | 'UNSUBSCRIBED', at: string) =>
        consentMessage(
          consentChange({
            channel,
            status,
            profile: { email: person, phone_number: '+12025550188' },
            consentedAt: at,
            source: 'R',
          }),
        );
      const oldWrite = write(1, 'Old');
      const subscribe = consent('email', 'SUBSCRIBED', '2026-07-15T12:00:00Z');
      const smsSubscribe = consent('sms', 'SUBSCRIBED', '2026-07-15T12:01:00Z');
      const newWrite = write(2, 'New');
      const unsubscribe = consent('email', 'UNSUBSCRIBED', '2026-07-15T12:05:00Z');
      const event = message('R1');
      const plan = new Map<string, 'dead' | 'delivered'>([
        [oldWrite.key, 'dead'],
        [subscribe.key, 'dead'],
        [smsSubscribe.key, 'dead'],
        [newWrite.key, 'delivered'],
        [unsubscribe.key, 'delivered'],
        [event.key, 'dead'],
      ]);
      await db.transaction((tx) =>
        store.enqueue(tx, [oldWrite, subscribe, smsSubscribe, newWrite, unsubscribe, event], t),
      );
      // The person's messages are handed out one at a time, oldest first; each meets its planned fate.
      const ids = new Map<string, number>();
      for (let at = t; ids.size < plan.size && at < t + 20; at++) {
        const claimed = (await store.claim('w', 1000, 1000, at)).filter((r) => plan.has(r.key));
        for (const r of claimed) {
          ids.set(r.key, r.id);
          if (plan.get(r.key) === 'delivered') await store.markDelivered('w', [r.id], at);
          else await store.markDead('w', [r.id], { status: 400, code: 'invalid', detail: 'no' }, at);
        }
      }
      const id = (key: string) => ids.get(key) as number;
      expect(ids.size).toBe(plan.size);
      const answer = await store.replay(
        [oldWrite, subscribe, smsSubscribe, event].map((m) => id(m.key)),
        t + 100,
      );
      expect(answer.replayed).toEqual([id(smsSubscribe.key), id(event.key)].sort((a, b) => a - b));
      expect(answer.skipped).toEqual([
        expect.objectContaining({
          id: id(oldWrite.key),
          reason: 'superseded',
          supersededBy: id(newWrite.key),
        }),
        expect.objectContaining({
          id: id(subscribe.key),
          reason: 'superseded',
          supersededBy: id(unsubscribe.key),
        }),
      ]);
      expect(answer.skipped[1]?.detail).toMatch(/newer email consent change/);
      const rows = new Map((await store.list({ limit: 500 })).map((r) => [r.id, r]));
      expect(rows.get(id(oldWrite.key))?.state).toBe('dead');
      expect(rows.get(id(subscribe.key))?.state).toBe('dead');
      // Replay starts the count again: a replayed message gets the full backoff schedule.
      expect(rows.get(id(smsSubscribe.key))).toMatchObject({ state: 'pending', attempts: 0 });
      expect(rows.get(id(event.key))).toMatchObject({ state: 'pending', attempts: 0 });
    });

    it('never lets a replayed profile write land after a newer one enqueued while the replay runs', async () => {
      const t = 300_000_000;
      const person = 'interleave@example.com';
      const write = (n: number, name: string) =>
        profileMessage(`interleave:${n}`, { profile: { email: person, first_name: name } });
      const old = write(1, 'Old');
      await db.transaction((tx) => store.enqueue(tx, [old], t));
      const [claimed] = (await store.claim('w', 1000, 1000, t)).filter((r) => r.key === old.key);
      await store.markDead('w', [claimed?.id as number], { status: 400, code: 'invalid', detail: 'no' }, t);
      const newer = write(2, 'New');
      // The newer write is committed, claimed and delivered between the replay's look for newer
      // messages and its update: a second connection (Postgres) or, on SQLite, a transaction the
      // replay must wait for.
      let interleaved = false;
      let meanwhile: Promise<void> | undefined;
      const racing: SqlDatabase = {
        ...db,
        dialect: db.dialect,
        query: <T>(query: SqlQuery) => db.query<T>(query),
        transaction: (fn) =>
          db.transaction((tx) =>
            fn({
              dialect: tx.dialect,
              query: async <T>(query: SqlQuery) => {
                const rows = await tx.query<T>(query);
                if (!interleaved && /state <> 'dead'/.test(query.sql) && db.dialect === 'postgres') {
                  interleaved = true;
                  // Another process: its own pool on the same schema. Given half a second to get in.
                  const other = openPostgres(TEST_DATABASE_URL, {
                    schema: (db as SqlDatabase & { schema: string }).schema,
                    max: 1,
                  });
                  const elsewhere = new OutboxStore(other);
                  meanwhile = (async () => {
                    try {
                      await other.transaction((otx) => elsewhere.enqueue(otx, [newer], t + 1));
                      const got = (await elsewhere.claim('w2', 1000, 1000, t + 2)).filter(
                        (r) => r.key === newer.key,
                      );
                      await elsewhere.markDelivered(
                        'w2',
                        got.map((r) => r.id),
                        t + 3,
                      );
                    } finally {
                      await other.close();
                    }
                  })();
                  await Promise.race([meanwhile, new Promise((resolve) => setTimeout(resolve, 500))]);
                }
                return rows;
              },
            }),
          ),
        close: () => db.close(),
      };
      const gate =
        db.dialect === 'sqlite' ? db.transaction((tx) => store.enqueue(tx, [newer], t + 1)) : undefined;
      await new OutboxStore(racing).replay([claimed?.id as number], t + 10);
      await gate;
      await meanwhile;
      // Whatever the replay decided, the person's writes now reach Klaviyo oldest first, the newer last.
      const sent: string[] = [];
      for (let at = t + 10; at < t + 30; at++) {
        const batch = (await store.claim('w3', 1000, 1000, at)).filter((r) =>
          r.key.startsWith('profile:interleave'),
        );
        for (const r of batch) sent.push(r.key);
        await store.markDelivered(
          'w3',
          batch.map((r) => r.id),
          at,
        );
      }
      const rows = (await store.list({ limit: 500 })).filter((r) => r.key.startsWith('profile:interleave'));
      const delivered = rows
        .filter((r) => r.state === 'delivered')
        .sort((a, b) => (a.deliveredAt ?? 0) - (b.deliveredAt ?? 0) || a.id - b.id);
      expect(delivered.at(-1)?.key).toBe(newer.key);
    });

    it('keeps the longest account pause', async () => {
      await store.pause('acct', 5_000);
      await store.pause('acct', 3_000);
      expect(await store.pausedUntil('acct')).toBe(5_000);
    });

    it('reports its health and hourly deliveries through its own API', async () => {
      const own = await open();
      try {
        const outbox = new OutboxStore(own);
        expect(await outbox.stats()).toEqual({
          counts: { pending: 0, retrying: 0, delivered: 0, dead: 0 },
          oldestPendingAt: null,
          lastDeliveredAt: null,
        });
        const HOUR = 3_600_000;
        await own.transaction(async (tx) => outbox.enqueue(tx, [message('S1'), message('S2')], 2 * HOUR));
        await own.transaction(async (tx) => outbox.enqueue(tx, [message('S3')], 3 * HOUR));
        const leased = await outbox.claim('w', 10, 60_000, 5 * HOUR);
        const s1 = leased.find((r) => r.key === 'event:placed-order:S1');
        const s3 = leased.find((r) => r.key === 'event:placed-order:S3');
        await outbox.markDelivered('w', [s1?.id ?? 0], 5 * HOUR + 10);
        await outbox.markDelivered('w', [s3?.id ?? 0], 7 * HOUR + 20);
        await outbox.release(
          'w',
          leased.filter((r) => r !== s1 && r !== s3).map((r) => r.id),
          8 * HOUR,
          5 * HOUR,
        );
        expect(await outbox.stats()).toEqual({
          counts: { pending: 1, retrying: 0, delivered: 2, dead: 0 },
          oldestPendingAt: 2 * HOUR,
          lastDeliveredAt: 7 * HOUR + 20,
        });
        expect([...(await outbox.deliveredPerBucket(6 * HOUR, HOUR))]).toEqual([[7, 1]]);
        expect(new Map(await outbox.deliveredPerBucket(0, HOUR))).toEqual(
          new Map([
            [5, 1],
            [7, 1],
          ]),
        );
      } finally {
        await close(own);
      }
    });
  });
}

outboxContract('SQLite', freshSqlite, (db) => db.close());
describeWithPostgres('Postgres', () => {
  outboxContract('Postgres', freshPostgres, (db) => dropPostgres(db as SqlDatabase & { schema: string }));
});
