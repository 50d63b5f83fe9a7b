import sql from 'sql-template-tag';
import { describe, expect, it } from 'vitest';
import { createKlaviyoNext, type KlaviyoNext } from '../../lib/klaviyo-next/index.js';
import type { OutboxMessage } from '../../lib/klaviyo-next/outbox/types.js';
import type { SqlDatabase } from '../../lib/klaviyo-next/sql/types.js';
import { eraseCustomer } from '../../lib/store/erasure.js';
import { storeHistory } from '../../lib/store/history-source.js';
import { cancelOrder } from '../../lib/store/orders/cancel-order.js';
import { fulfilOrder } from '../../lib/store/orders/fulfil-order.js';
import { refundOrder } from '../../lib/store/orders/refund-order.js';
import { updateShipment } from '../../lib/store/orders/update-shipment.js';
import { HISTORY_START, seedHistory } from '../support/backfill-history.js';
import { dropPostgres, freshPostgres, freshSqlite } from '../support/databases.js';
import { type TestEmulator, withEmulator } from '../support/emulator.js';
import { describeWithPostgres } from '../support/requirements.js';
import {
  countRows,
  outboxMessages,
  placedOrder,
  STORE_URL,
  testStoreDeps,
} from '../support/store-fixtures.js';

/**
 * klaviyo.backfill over the demo store's history (lib/store/history-source.ts): the same messages as
 * live traffic, in the history lane, resumable, safe to run twice or two at once, and a dry run that
 * writes nothing. Each test has a database of its own, on SQLite and on Postgres.
 */
let emu: TestEmulator;
withEmulator({ seed: true }, (started) => {
  emu = started;
});

const SINCE = new Date(HISTORY_START);

const pluginOn = (db: SqlDatabase, now?: () => number): KlaviyoNext =>
  createKlaviyoNext({
    ...(now ? { now } : {}),
    env: {
      KLAVIYO_API_URL: emu.url,
      KLAVIYO_PRIVATE_KEY: emu.account.privateKey,
      KLAVIYO_PUBLIC_KEY: emu.account.publicKey,
    },
    sql: db,
    deliverSoon: () => undefined,
  });

const lanes = async (db: SqlDatabase) =>
  db.query<{ dedup_key: string; lane: number | string }>(
    sql`SELECT dedup_key, lane FROM klaviyo_outbox ORDER BY id`,
  );

function onEachDatabase(
  name: string,
  suite: (open: () => Promise<{ db: SqlDatabase; close(): Promise<void> }>) => void,
) {
  describe(`${name} on SQLite`, () =>
    suite(async () => {
      const db = await freshSqlite();
      return { db, close: () => db.close() };
    }));
  describeWithPostgres('Postgres', () => {
    describe(`${name} on Postgres`, () =>
      suite(async () => {
        const db = await freshPostgres();
        return { db, close: () => dropPostgres(db) };
      }));
  });
}

onEachDatabase('backfill', (open) => {
  it('sends a past order as the live one was sent: same keys and unique_ids, flagged backfill, in lane 2', async () => {
    const { db, close } = await open();
    try {
      const deps = testStoreDeps(db);
      const shipped = await placedOrder(deps, [['organic-cotton-tee-l', 2]]);
      const fulfilled = await fulfilOrder(deps, {
        orderId: shipped,
        carrier: 'UPS',
        trackingNumber: '1Z999',
      });
      if (!fulfilled.ok) throw new Error(fulfilled.error.message);
      const news = await updateShipment(deps, {
        orderId: shipped,
        fulfillmentId: fulfilled.data.fulfillmentId,
        status: 'delivered',
      });
      expect(news.ok).toBe(true);
      expect((await refundOrder(deps, { orderId: shipped, amountCents: 500, reason: 'Late' })).ok).toBe(true);
      const cancelled = await placedOrder(deps, [['linen-napkins-indigo', 1]]);
      expect((await cancelOrder(deps, { orderId: cancelled, reason: 'Changed mind' })).ok).toBe(true);
      const liveEvents = (await outboxMessages(db)).filter((m) => m.kind === 'event');
      expect(liveEvents.length).toBeGreaterThanOrEqual(7);

      // The plugin installed after these orders: its outbox never held them.
      await db.query(sql`DELETE FROM klaviyo_outbox`);
      await db.query(sql`DELETE FROM klaviyo_outbox_keys`);
      const klaviyo = pluginOn(db);
      const source = storeHistory({ db, storeUrl: STORE_URL });
      const summary = await klaviyo.backfill.run(source, { since: new Date(0) });
      expect(summary.records.orders).toBe(2);
      const history = (await outboxMessages(db)).filter((m) => m.kind === 'event');
      const strip = (m: OutboxMessage) => {
        if (m.kind !== 'event') return m;
        const { backfill: _b, ...payload } = m.payload;
        return { ...m, payload };
      };
      const byKey = (a: OutboxMessage, b: OutboxMessage) => a.key.localeCompare(b.key);
      expect(history.map(strip).sort(byKey)).toEqual(liveEvents.sort(byKey));
      expect(history.every((m) => m.kind === 'event' && m.payload.backfill === true)).toBe(true);
      expect(new Set((await lanes(db)).map((r) => Number(r.lane)))).toEqual(new Set([2]));

      // A second run sends nothing new; the outbox already knows every key.
      expect((await klaviyo.backfill.run(source, { since: new Date(0) })).enqueued).toBe(0);
      klaviyo.ops.close();
    } finally {
      await close();
    }
  });

  it('a dry run counts what would be sent, per kind, and writes nothing', async () => {
    const { db, close } = await open();
    try {
      const seeded = await seedHistory(db, 60);
      const klaviyo = pluginOn(db);
      const source = storeHistory({ db, storeUrl: STORE_URL });
      const tables = ['klaviyo_outbox', 'klaviyo_outbox_keys', 'klaviyo_backfill_checkpoints'];
      const before = await Promise.all(tables.map((t) => countRows(db, t)));
      const dry = await klaviyo.backfill.dryRun(source, { since: SINCE, pageSize: 25 });
      expect(await Promise.all(tables.map((t) => countRows(db, t)))).toEqual(before);
      expect(dry.records).toEqual({ customers: 30, orders: 60, consent: seeded.subscribed });
      for (const [metric, n] of Object.entries(seeded.events))
        expect(dry.kinds[metric], metric).toEqual({ new: n, known: 0 });
      expect(dry.kinds.profile).toEqual({ new: 30, known: 0 });
      expect(dry.sample.map((m) => (m.kind === 'event' ? m.payload.metric : m.kind))).toContain(
        'Placed Order',
      );

      // After the real run the same dry run finds every message known.
      await klaviyo.backfill.run(source, { since: SINCE, pageSize: 25 });
      const again = await klaviyo.backfill.dryRun(source, { since: SINCE, pageSize: 25 });
      expect(Object.values(again.kinds).every((k) => k.new === 0)).toBe(true);
      klaviyo.ops.close();
    } finally {
      await close();
    }
  });

  it('stopped between pages, resumes after the last page committed; two runs at once take each page once', async () => {
    const { db, close } = await open();
    try {
      await seedHistory(db, 400);
      const klaviyo = pluginOn(db);
      const source = storeHistory({ db, storeUrl: STORE_URL });
      const stop = new AbortController();
      let pages = 0;
      await expect(
        klaviyo.backfill.run(source, {
          since: SINCE,
          pageSize: 50,
          signal: stop.signal,
          onProgress: () => {
            if (++pages === 5) stop.abort();
          },
        }),
      ).rejects.toThrow();
      const afterStop = await countRows(db, 'klaviyo_outbox');
      expect(afterStop).toBeGreaterThan(0);

      // Two processes resume at once: every page goes to one of them, none twice, none lost.
      const other = pluginOn(db);
      const [a, b] = await Promise.all([
        klaviyo.backfill.run(source, { since: SINCE, pageSize: 50 }),
        other.backfill.run(source, { since: SINCE, pageSize: 50 }),
      ]);
      expect(a.resumed || b.resumed).toBe(true);
      const walked = (s: typeof a) => s.records.customers + s.records.orders + s.records.consent;
      const stopped = 5 * 50;
      expect(walked(a) + walked(b)).toBe(200 + 400 + 5 - stopped);
      const total = await countRows(db, 'klaviyo_outbox');
      expect(afterStop + a.enqueued + b.enqueued).toBe(total);
      const dry = await klaviyo.backfill.dryRun(source, { since: SINCE });
      const messages = Object.values(dry.kinds).reduce((n, k) => n + k.new + k.known, 0);
      expect(total).toBe(messages);
      const [finished] = await db.query<{ n: number | string }>(
        sql`SELECT COUNT(*) AS n FROM klaviyo_backfill_checkpoints WHERE finished = 1`,
      );
      expect(Number(finished?.n)).toBe(3);
      klaviyo.ops.close();
      other.ops.close();
    } finally {
      await close();
    }
  });

  it('a live order placed during a backfill is claimed before the history, and only it enters a flow', async () => {
    const { db, close } = await open();
    try {
      await seedHistory(db, 20);
      // A clock of the test's own: a person's consent waits out the settle window of her profile
      // write (fences), which each round below moves past.
      let clock = Date.now();
      const klaviyo = pluginOn(db, () => clock);
      await klaviyo.backfill.run(storeHistory({ db, storeUrl: STORE_URL }), { since: SINCE });
      // An order number no other database of this file (sharing the emulator) has given out.
      const number = 500_000 + Math.floor(Math.random() * 400_000);
      await db.query(sql`UPDATE store_counters SET value = ${number} WHERE name = 'order_number'`);
      const live = await placedOrder(testStoreDeps(db), [['organic-cotton-tee-l', 1]]);
      const claimed = await klaviyo.outbox.claim('test', 3, 60_000);
      expect(claimed.map((r) => r.kind === 'event' && r.payload.properties.OrderId)).toContain(live);
      expect(claimed.every((r) => r.kind !== 'event' || r.payload.backfill !== true)).toBe(true);
      await db.query(sql`UPDATE klaviyo_outbox SET lease_until = NULL, lease_owner = NULL`);

      const triggersBefore = (await emu.control(`/accounts/${emu.account.id}/flow-triggers`)).data.length;
      for (let round = 0; round < 20 && (await klaviyo.backfill.backlog()).waiting > 0; round++) {
        await klaviyo.drain(10_000);
        clock += 60_000;
      }
      expect(await klaviyo.backfill.backlog()).toEqual({ waiting: 0, dead: 0 });
      await emu.settle();
      const entered = (await emu.control(`/accounts/${emu.account.id}/flow-triggers`)).data.slice(
        triggersBefore,
      );
      const placedFlows = entered.filter((t: { metric?: string }) => t.metric === 'Placed Order');
      // Only the live order's Placed Order started the Placed Order flow(s); the 20 past ones none.
      const events = (await emu.inspect('?events=full&metric=Placed Order')).events as {
        id: string;
        properties: Record<string, unknown>;
      }[];
      const liveEventId = events.find((e) => e.properties.OrderId === live)?.id;
      expect(placedFlows.length).toBeGreaterThan(0);
      expect(placedFlows.every((t: { eventId?: string }) => t.eventId === liveEventId)).toBe(true);
      klaviyo.ops.close();
    } finally {
      await close();
    }
  });

  it('a customer erased while her page is being enqueued has nothing left waiting: the erasure waits for the page', async () => {
    const { db, close } = await open();
    try {
      await seedHistory(db, 10);
      const klaviyo = pluginOn(db);
      const store = storeHistory({ db, storeUrl: STORE_URL });
      let read!: () => void;
      const pageRead = new Promise<void>((resolve) => {
        read = resolve;
      });
      let release!: () => void;
      const gate = new Promise<void>((resolve) => {
        release = resolve;
      });
      // The orders page is read inside its transaction, then held there until the erasure has started.
      const source = {
        ...store,
        orders: async (q: Parameters<typeof store.orders>[0]) => {
          const page = await store.orders(q);
          read();
          await gate;
          return page;
        },
      };
      const run = klaviyo.backfill.run(source, { since: SINCE });
      await pageRead;
      let erased = false;
      const erasure = eraseCustomer(testStoreDeps(db), 'C0', 'merchant').then((r) => {
        erased = true;
        return r;
      });
      await new Promise((resolve) => setTimeout(resolve, 300));
      expect(erased, 'the erasure waited for the page holding her orders').toBe(false);
      release();
      await run;
      expect((await erasure).ok).toBe(true);
      const waiting = await db.query<{ kind: string }>(
        sql`SELECT kind FROM klaviyo_outbox WHERE state IN ('pending', 'retrying') AND payload LIKE ${'%past.0@example.com%'}`,
      );
      expect(waiting.map((r) => r.kind)).toEqual(['profile-deletion']);
      klaviyo.ops.close();
    } finally {
      await close();
    }
  });

  it('refuses a checkpoint cursor it did not write, naming it, and sends nothing for it', async () => {
    const { db, close } = await open();
    try {
      await seedHistory(db, 10);
      const klaviyo = pluginOn(db);
      const since = SINCE.toISOString();
      await db.query(
        sql`INSERT INTO klaviyo_backfill_checkpoints (since, stream, position, done, updated_at) VALUES (${since}, 'customers', ${'{"forged":1}'}, 3, 0)`,
      );
      await expect(
        klaviyo.backfill.run(storeHistory({ db, storeUrl: STORE_URL }), { since: SINCE }),
      ).rejects.toThrow(/history cursor: '\{"forged":1\}' is not a cursor this store wrote/);
      expect(await countRows(db, 'klaviyo_outbox')).toBe(0);
      klaviyo.ops.close();
    } finally {
      await close();
    }
  });
});
