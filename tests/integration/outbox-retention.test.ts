import { createHash } from 'node:crypto';
import sql, { raw, type Sql as SqlQuery } from 'sql-template-tag';
import { expect, it } from 'vitest';
import { createKlaviyoClient } from '../../lib/klaviyo-next/api/client.js';
import { drainRoute } from '../../lib/klaviyo-next/outbox/drain-request.js';
import { KEY_HORIZON_DAYS, pruneOutbox } from '../../lib/klaviyo-next/outbox/retention.js';
import { createDelivery } from '../../lib/klaviyo-next/outbox/runtime.js';
import { OutboxStore } from '../../lib/klaviyo-next/outbox/store.js';
import { backInStockMessage, type OutboxMessage } from '../../lib/klaviyo-next/outbox/types.js';
import type { SqlDatabase, SqlExecutor } from '../../lib/klaviyo-next/sql/types.js';
import { orderEvents } from '../support/order-events.js';
import { onBothDatabases } from '../support/store-fixtures.js';

/**
 * Retention (issue 12, item 5): delivered messages older than OUTBOX_RETENTION_DAYS are deleted in
 * bounded batches; what dedup needs stays as a hash of the key, so a pruned fact enqueued again is
 * still a no-op; dead letters stay; the delivered figures are counters that move with the rows.
 */

const DAY = 86_400_000;
const RETENTION_DAYS = 30;
/** Each test has its own stretch of time, later than the one before, so their rows stay apart. */
let era = 0;
const nextBase = () => Date.parse('2027-01-01T00:00:00Z') + ++era * 1000 * DAY;

const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');
const placed = (orderId: string, email: string) => orderEvents(orderId, email)[0] as OutboxMessage;
const waitFor = (email: string, variantId: string) =>
  backInStockMessage({ profile: { email }, variantId, channels: ['EMAIL'] });

/** Enqueues `messages` at `at` and settles them there: delivered, or dead-lettered. */
async function settle(
  db: SqlDatabase,
  store: OutboxStore,
  messages: readonly OutboxMessage[],
  at: number,
  outcome: 'delivered' | 'dead' = 'delivered',
) {
  await db.transaction((tx) => store.enqueue(tx, messages, at));
  const keys = new Set(messages.map((m) => m.key));
  const owner = `settle-${Math.random()}`;
  const claimed = await store.claim(owner, 100_000, 60_000, at);
  const ours = claimed.filter((r) => keys.has(r.key)).map((r) => r.id);
  await store.release(
    owner,
    claimed.filter((r) => !keys.has(r.key)).map((r) => r.id),
  );
  if (outcome === 'delivered') await store.markDelivered(owner, ours, at);
  else await store.markDead(owner, ours, { status: 400, code: 'invalid', detail: 'refused' }, at);
  expect(ours).toHaveLength(messages.length);
}

const rowsWithKey = (db: SqlDatabase, key: string) =>
  db.query<{ state: string }>(sql`SELECT state FROM klaviyo_outbox WHERE dedup_key = ${key}`);

async function deliveredRows(db: SqlDatabase, before = Number.MAX_SAFE_INTEGER): Promise<number> {
  const [row] = await db.query<{ n: number }>(
    sql`SELECT COUNT(*) AS n FROM klaviyo_outbox WHERE state = 'delivered' AND delivered_at < ${before}`,
  );
  return Number(row?.n ?? 0);
}

/** The counters the dashboard reads agree with the table, total and per hour. */
async function expectCountersTrue(db: SqlDatabase, store: OutboxStore) {
  expect((await store.counts()).delivered).toBe(await deliveredRows(db));
  const counted = await db.query<{ hour: number; n: number }>(
    sql`SELECT delivered_at / 3600000 AS hour, COUNT(*) AS n FROM klaviyo_outbox WHERE state = 'delivered' GROUP BY delivered_at / 3600000 ORDER BY hour`,
  );
  const kept = await db.query<{ hour: number; n: number }>(
    sql`SELECT hour, n FROM klaviyo_outbox_delivered_hours ORDER BY hour`,
  );
  const norm = (rows: { hour: number; n: number }[]) => rows.map((r) => [Number(r.hour), Number(r.n)]);
  expect(norm(kept)).toEqual(norm(counted));
}

/** Forgets a key's hash, as for a row enqueued before the keys table existed (migration 113). */
const asBeforeMigration = (db: SqlDatabase, key: string) =>
  db.query(sql`DELETE FROM klaviyo_outbox_keys WHERE key_hash = ${sha256(key)}`);

/**
 * `db` whose statements matching `pattern` wait at a gate: the test decides what runs while one
 * party is stopped just before that statement (the real database underneath, only the timing is held).
 */
function holdingBefore(db: SqlDatabase, pattern: RegExp) {
  let reached: () => void = () => {};
  const atGate = new Promise<void>((resolve) => {
    reached = resolve;
  });
  let open: () => void = () => {};
  const gate = new Promise<void>((resolve) => {
    open = resolve;
  });
  const hold = async (query: SqlQuery) => {
    if (!pattern.test(query.sql)) return;
    reached();
    await gate;
  };
  const wrap = (tx: SqlExecutor): SqlExecutor => ({
    dialect: tx.dialect,
    query: async <T>(query: SqlQuery) => {
      await hold(query);
      return tx.query<T>(query);
    },
  });
  const held: SqlDatabase = {
    ...wrap(db),
    transaction: (fn) => db.transaction((tx) => fn(wrap(tx))),
    close: () => db.close(),
  };
  return { db: held, atGate, open };
}

onBothDatabases('outbox retention', (database) => {
  it('prunes delivered messages older than the retention; young ones, dead letters and the backlog stay', async () => {
    const db = database();
    const store = new OutboxStore(db);
    const base = nextBase();
    const old = placed('RET-OLD', 'old@example.com');
    const young = placed('RET-YOUNG', 'young@example.com');
    const dead = placed('RET-DEAD', 'dead@example.com');
    const waiting = placed('RET-WAIT', 'wait@example.com');
    await settle(db, store, [old], base);
    await settle(db, store, [dead], base, 'dead');
    await settle(db, store, [young], base + 20 * DAY);
    // Enqueued (not due until then) far ahead: no later round delivers it.
    await db.transaction((tx) => store.enqueue(tx, [waiting], base + 10_000 * DAY));
    const before = await store.counts();

    const pass = await pruneOutbox(store, { retentionDays: RETENTION_DAYS, now: () => base + 31 * DAY });

    expect(pass.pruned).toBeGreaterThanOrEqual(1);
    expect(await rowsWithKey(db, old.key)).toEqual([]);
    expect(await rowsWithKey(db, young.key)).toEqual([{ state: 'delivered' }]);
    expect(await rowsWithKey(db, dead.key)).toEqual([{ state: 'dead' }]);
    expect(await rowsWithKey(db, waiting.key)).toEqual([{ state: 'pending' }]);
    const after = await store.counts();
    expect(after.delivered).toBe(before.delivered - pass.pruned);
    expect({ ...after, delivered: 0 }).toEqual({ ...before, delivered: 0 });
    await expectCountersTrue(db, store);
    // Long after, the dead letter is still there for the merchant to replay.
    await pruneOutbox(store, { retentionDays: 1, now: () => base + 5_000 * DAY });
    expect(await rowsWithKey(db, dead.key)).toEqual([{ state: 'dead' }]);
  });

  it('keeps no personal data of a pruned message: only a hash of its key, in rows it can be checked against', async () => {
    const db = database();
    const store = new OutboxStore(db);
    const base = nextBase();
    const email = 'grace.hopper+retention@example.com';
    const messages = [waitFor(email, 'VAR-RETENTION'), placed('RET-PII', email)];
    expect(messages[0]?.key).toContain(email);
    await settle(db, store, messages, base);
    await pruneOutbox(store, { retentionDays: RETENTION_DAYS, now: () => base + 31 * DAY });

    const tables = ['klaviyo_outbox', 'klaviyo_outbox_keys', 'klaviyo_outbox_delivered_hours'];
    for (const table of tables) {
      const rows = await db.query(sql`SELECT * FROM ${raw(table)}`);
      const dump = JSON.stringify(rows);
      expect(dump, table).not.toContain('grace.hopper');
      expect(dump, table).not.toContain('RET-PII');
      expect(dump, table).not.toContain('VAR-RETENTION');
    }
    const kept = await db.query<Record<string, unknown>>(
      sql`SELECT * FROM klaviyo_outbox_keys WHERE key_hash IN (${sha256(messages[0]?.key ?? '')}, ${sha256(messages[1]?.key ?? '')})`,
    );
    expect(kept).toHaveLength(2);
    for (const row of kept) expect(Object.keys(row).sort()).toEqual(['created_at', 'key_hash']);
  });

  it('treats a pruned fact enqueued again as the duplicate it is, also for rows older than the keys table', async () => {
    const db = database();
    const store = new OutboxStore(db);
    const base = nextBase();
    const fact = placed('RET-AGAIN', 'again@example.com');
    const older = waitFor('older@example.com', 'VAR-OLDER');
    await settle(db, store, [fact, older], base);
    await asBeforeMigration(db, older.key);
    await pruneOutbox(store, { retentionDays: RETENTION_DAYS, now: () => base + 31 * DAY });
    expect(await rowsWithKey(db, fact.key)).toEqual([]);
    expect(await rowsWithKey(db, older.key)).toEqual([]);

    const later = base + 40 * DAY;
    expect(await db.transaction((tx) => store.enqueue(tx, [fact, older, fact], later))).toBe(0);
    expect(await rowsWithKey(db, fact.key)).toEqual([]);
    expect(await rowsWithKey(db, older.key)).toEqual([]);
    // A new fact beside them still goes in.
    const fresh = placed('RET-FRESH', 'again@example.com');
    expect(await db.transaction((tx) => store.enqueue(tx, [fact, fresh], later))).toBe(1);
    // Out of the way of later tests' rounds.
    await db.query(sql`UPDATE klaviyo_outbox SET state = 'dead' WHERE dedup_key = ${fresh.key}`);
  });

  it('lets two prunes run at once: neither fails, each row goes once, the counters stay true', async () => {
    const db = database();
    const store = new OutboxStore(db);
    const base = nextBase();
    const messages = Array.from({ length: 60 }, (_, i) =>
      orderEvents(`RET-PAR-${i}`, `par${i}@example.com`),
    ).flat();
    // Spread over several hours, so both prunes decrement the same hour counters.
    for (let h = 0; h < 4; h++)
      await settle(
        db,
        store,
        messages.filter((_, i) => i % 4 === h),
        base + h * 3_600_000,
      );
    const cutoff = base + DAY;
    const expected = await deliveredRows(db, cutoff);
    expect(expected).toBeGreaterThanOrEqual(messages.length);

    const pruneAll = async () => {
      let total = 0;
      for (;;) {
        const n = await store.prune(cutoff, 25);
        total += n;
        if (n === 0) return total;
      }
    };
    const passes = await Promise.all([
      pruneAll(),
      pruneAll(),
      pruneOutbox(store, { retentionDays: 1, now: () => cutoff + DAY, batch: 25, maxBatches: 1_000 }),
    ]);
    expect((passes[0] as number) + (passes[1] as number) + passes[2].pruned).toBe(expected);
    expect(await deliveredRows(db, cutoff)).toBe(0);
    await expectCountersTrue(db, store);
  });

  it('keeps an enqueue racing a prune of the same fact deduplicated, whichever goes first', async () => {
    const db = database();
    const store = new OutboxStore(db);
    const base = nextBase();
    const cutoff = base + DAY;
    const later = base + 40 * DAY;

    // 1. The prune has recorded the hashes and stops just before its DELETE; the fact comes again.
    const first = waitFor('race1@example.com', 'VAR-RACE');
    await settle(db, store, [first], base);
    await asBeforeMigration(db, first.key);
    const paused = holdingBefore(db, /^\s*DELETE FROM klaviyo_outbox WHERE/);
    const pruning = new OutboxStore(paused.db).prune(cutoff, 10_000);
    await paused.atGate;
    const enqueueing = db.transaction((tx) => store.enqueue(tx, [first], later));
    setTimeout(paused.open, 50);
    const [pruned1, added1] = await Promise.all([pruning, enqueueing]);
    expect(pruned1).toBeGreaterThanOrEqual(1);
    expect(added1).toBe(0);
    expect(await rowsWithKey(db, first.key)).toEqual([]);

    // 2. The shopper's transaction has enqueued the fact and not committed when the prune starts.
    const second = waitFor('race2@example.com', 'VAR-RACE');
    await settle(db, store, [second], base);
    await asBeforeMigration(db, second.key);
    let inside: () => void = () => {};
    const entered = new Promise<void>((resolve) => {
      inside = resolve;
    });
    let commit: () => void = () => {};
    const held = new Promise<void>((resolve) => {
      commit = resolve;
    });
    const checkout = db.transaction(async (tx) => {
      const added = await store.enqueue(tx, [second], later);
      inside();
      await held;
      return added;
    });
    await entered;
    const pruning2 = store.prune(cutoff, 10_000);
    setTimeout(commit, 100);
    const [added2, pruned2] = await Promise.all([checkout, pruning2]);
    expect(added2).toBe(0);
    expect(pruned2).toBeGreaterThanOrEqual(1);
    expect(await rowsWithKey(db, second.key)).toEqual([]);

    // 3. The shopper's enqueue has claimed the key's hash and stops before its outbox row when the
    // prune starts: the prune waits for the hash, never the other way round (no deadlock, no copy).
    const third = waitFor('race3@example.com', 'VAR-RACE');
    await settle(db, store, [third], base);
    await asBeforeMigration(db, third.key);
    const between = holdingBefore(db, /^\s*INSERT INTO klaviyo_outbox \(/);
    const checkout3 = between.db.transaction((tx) => store.enqueue(tx, [third], later));
    await between.atGate;
    const pruning3 = store.prune(cutoff, 10_000);
    setTimeout(between.open, 100);
    const [added3, pruned3] = await Promise.all([checkout3, pruning3]);
    expect(added3).toBe(0);
    expect(pruned3).toBeGreaterThanOrEqual(1);
    expect(await rowsWithKey(db, third.key)).toEqual([]);

    // Each way, the fact is recorded once and stays a no-op.
    expect(await db.transaction((tx) => store.enqueue(tx, [first, second, third], later + DAY))).toBe(0);
    await expectCountersTrue(db, store);
  });

  it('prunes by itself: the worker loop between rounds, the cron drain route after draining (not for a stranger)', async () => {
    const db = database();
    const store = new OutboxStore(db);
    const base = nextBase();
    await settle(db, store, [placed('RET-WORKER', 'worker@example.com')], base);
    const now = () => base + 31 * DAY;
    const logs: { event: string; fields: Record<string, unknown> }[] = [];
    const stop = new AbortController();
    const client = createKlaviyoClient({
      baseUrl: 'http://127.0.0.1:9',
      apiKey: 'pk_retention_test',
      governor: null,
      // Nothing is due: a round that called Klaviyo would be a bug here.
      fetch: async () => {
        throw new Error('no Klaviyo call is expected in this test');
      },
    });
    const delivery = createDelivery({
      store,
      client,
      now,
      retentionDays: RETENTION_DAYS,
      log: (event, fields = {}) => {
        logs.push({ event, fields });
        if (event === 'outbox.pruned') stop.abort();
      },
    });
    await delivery.work(stop.signal, 10);
    const pass = logs.find((l) => l.event === 'outbox.pruned');
    expect(pass?.fields).toMatchObject({ pruned: expect.any(Number), retentionDays: RETENTION_DAYS });
    expect(pass?.fields.pruned).toBeGreaterThanOrEqual(1);
    expect(await rowsWithKey(db, placed('RET-WORKER', 'worker@example.com').key)).toEqual([]);

    // The cron route: a stranger's call prunes nothing; two calls at once prune each row once.
    const routeBase = nextBase();
    const batch = Array.from({ length: 30 }, (_, i) => placed(`RET-CRON-${i}`, 'cron@example.com'));
    await settle(db, store, batch, routeBase);
    const secret = 'a-drain-secret-of-at-least-32-characters';
    const cronNow = () => routeBase + 31 * DAY;
    const cron = createDelivery({
      store,
      client,
      now: cronNow,
      retentionDays: RETENTION_DAYS,
      log: () => {},
    });
    const route = drainRoute(
      secret,
      () => cron.drainSoon(1_000),
      () => cron.prune(),
    );
    const call = (authorization?: string) =>
      route.GET(
        new Request('http://shop.test/api/klaviyo/drain', {
          headers: authorization ? { authorization } : {},
        }),
      );
    const stranger = await call('Bearer not-the-secret-but-long-enough-to-look-real');
    expect(stranger.status).toBe(401);
    expect(await deliveredRows(db, routeBase + DAY)).toBe(batch.length);

    const expected = await deliveredRows(db, routeBase + DAY);
    const answers = await Promise.all([call(`Bearer ${secret}`), call(`Bearer ${secret}`)]);
    const bodies = (await Promise.all(answers.map((a) => a.json()))) as { pruned?: { pruned: number } }[];
    expect(answers.map((a) => a.status)).toEqual([200, 200]);
    expect(bodies.reduce((sum, b) => sum + (b.pruned?.pruned ?? 0), 0)).toBe(expected);
    expect(await deliveredRows(db, routeBase + DAY)).toBe(0);
    await expectCountersTrue(db, store);
  });
  it('forgets key hashes a year after the retention; a dead letter stays deduplicated by its own row', async () => {
    const db = database();
    const store = new OutboxStore(db);
    const base = nextBase();
    const dead = placed('RET-HORIZON-DEAD', 'horizon@example.com');
    const delivered = placed('RET-HORIZON', 'horizon@example.com');
    await settle(db, store, [dead], base, 'dead');
    await settle(db, store, [delivered], base);
    const hashes = sql`SELECT key_hash FROM klaviyo_outbox_keys WHERE key_hash IN (${sha256(dead.key)}, ${sha256(delivered.key)})`;

    // Within the horizon: the delivered message is pruned, both hashes stay.
    await pruneOutbox(store, { retentionDays: RETENTION_DAYS, now: () => base + (RETENTION_DAYS + 1) * DAY });
    expect(await db.query(hashes)).toHaveLength(2);
    const past = base + (RETENTION_DAYS + KEY_HORIZON_DAYS + 1) * DAY;
    const pass = await pruneOutbox(store, { retentionDays: RETENTION_DAYS, now: () => past });
    expect(pass.keysExpired).toBeGreaterThanOrEqual(2);
    expect(await db.query(hashes)).toEqual([]);

    expect(await rowsWithKey(db, dead.key)).toEqual([{ state: 'dead' }]);
    expect(await db.transaction((tx) => store.enqueue(tx, [dead], past))).toBe(0);
    // Past the horizon a pruned fact is accepted again (what KEY_HORIZON_DAYS trades for a bounded table).
    expect(await db.transaction((tx) => store.enqueue(tx, [delivered], past))).toBe(1);
    await db.query(sql`UPDATE klaviyo_outbox SET state = 'dead' WHERE dedup_key = ${delivered.key}`);
  });
});
