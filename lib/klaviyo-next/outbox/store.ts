import 'server-only';
import { createHash } from 'node:crypto';
import sql, { empty, join, raw } from 'sql-template-tag';
import { redactDeliveredDeletions } from '../erasure/redact';
import type { SqlDatabase, SqlExecutor } from '../sql/types';
import {
  type DeliveryError,
  laneOf,
  type OutboxMessage,
  type OutboxRecord,
  type OutboxState,
  orderKeyOf,
} from './types';

interface Row {
  id: number;
  order_key: string | null;
  kind: OutboxMessage['kind'];
  dedup_key: string;
  payload: string;
  state: OutboxState;
  attempts: number;
  available_at: number;
  last_error: string | null;
  created_at: number;
  updated_at: number;
  delivered_at: number | null;
}

const toRecord = (row: Row): OutboxRecord =>
  ({
    id: Number(row.id),
    kind: row.kind,
    key: row.dedup_key,
    payload: JSON.parse(row.payload),
    state: row.state,
    attempts: row.attempts,
    availableAt: row.available_at,
    ...(row.last_error ? { lastError: JSON.parse(row.last_error) } : {}),
    createdAt: row.created_at,
    updatedAt: row.updated_at,
    ...(row.delivered_at ? { deliveredAt: row.delivered_at } : {}),
  }) as OutboxRecord;

/** Slices of at most 500, well under either database's limit on bound parameters. */
function chunks<T>(items: readonly T[], size = 500): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}

const HOUR_MS = 3_600_000;

/**
 * Postgres's clock in epoch ms. `clock_timestamp()`, not `now()`: `now()` is the transaction's start.
 * Several hosts share one Postgres outbox and their clocks differ, so leases, `available_at` and the
 * pause are all read and written in this one clock (the dispatcher reads it once a round: `now()`).
 */
const PG_NOW_MS = sql`(extract(epoch from clock_timestamp()) * 1000)::bigint`;

/**
 * What the outbox keeps of a dedup key once its message is pruned: the key's SHA-256 (hex). A key can
 * embed an email (back-in-stock: `back-in-stock:<variant>:<email>`), so the key itself is not kept.
 */
export const dedupKeyHash = (key: string): string => createHash('sha256').update(key).digest('hex');

/**
 * A person's order key held until `untilMs`: the write just delivered is applied by Klaviyo
 * asynchronously (`job`, when it has one to poll), and the person's next write must not overtake it.
 */
export interface OutboxFence {
  orderKey: string;
  untilMs: number;
  job?: string;
}

/** A dead letter replay left dead, and why. */
export interface ReplaySkip {
  id: number;
  reason: 'superseded';
  /** The newer message of the same sort for the same person. */
  supersededBy: number;
  detail: string;
}

export interface ReplayResult {
  /** Put back in the queue, attempts reset. */
  replayed: number[];
  skipped: ReplaySkip[];
}

/**
 * What a message sets on a person, where a newer one of the same sort replaces it: a profile write
 * (last write wins), or consent on one channel. Events and back-in-stock requests add, never replace.
 */
function supersedeSort(record: OutboxRecord): string | undefined {
  if (record.kind === 'profile') return 'profile';
  if (record.kind === 'consent') return `consent:${record.payload.channel}`;
  return undefined;
}

const describeSort = (record: OutboxRecord) =>
  record.kind === 'consent'
    ? `${record.payload.channel === 'sms' ? 'SMS' : 'email'} consent change`
    : 'profile write';

/**
 * The outbox table. `enqueue` runs inside the caller's transaction, so a fact is stored if and only
 * if the caller's own write commits. Workers claim due messages under a lease; a worker that dies
 * leaves its lease to expire and the messages are claimed again (at-least-once, and Klaviyo's
 * unique_id dedup makes the repeat harmless).
 */
/** What `OutboxStore.stats()` answers. */
export interface OutboxStats {
  counts: Record<OutboxState, number>;
  oldestPendingAt: number | null;
  lastDeliveredAt: number | null;
}

export class OutboxStore {
  constructor(readonly db: SqlDatabase) {}

  /**
   * Adds messages in the caller's transaction; a message whose key was accepted before is skipped,
   * even once that message has been delivered and pruned. Each key's hash is claimed first in
   * `klaviyo_outbox_keys`, whose unique index decides: prune records the hashes it needs before it
   * deletes a row, so an enqueue racing a prune of the same key either finds the hash or waits on it,
   * at any isolation level the host's transaction runs at. The hashes go in sorted, as prune's do, so
   * two such writers never take them in opposite orders (no deadlock). The outbox's own unique key
   * still catches rows enqueued before the keys table existed. Call it inside a transaction (`tx`): its
   * statements must commit together, or a claimed hash without its row would drop the message.
   */
  async enqueue(tx: SqlExecutor, messages: readonly OutboxMessage[], now = Date.now()): Promise<number> {
    return (await this.enqueueEach(tx, messages, now)).filter(Boolean).length;
  }

  /**
   * `enqueue`, answering for each message (in order) whether it was stored: false for a key accepted
   * before, or named earlier in the same call. Two statements whatever the number of messages, so the
   * relay's group commit (relay/writes.ts) stores many requests' events in one transaction.
   */
  async enqueueEach(
    tx: SqlExecutor,
    messages: readonly OutboxMessage[],
    now = Date.now(),
  ): Promise<boolean[]> {
    if (messages.length === 0) return [];
    const hashOf = new Map(messages.map((m) => [m.key, dedupKeyHash(m.key)]));
    const fresh = new Set<string>();
    for (const chunk of chunks([...new Set(hashOf.values())].sort())) {
      const rows = await tx.query<{ key_hash: string }>(
        sql`INSERT INTO klaviyo_outbox_keys (key_hash, created_at) VALUES ${join(chunk.map((h) => sql`(${h}, ${now})`))}
         ON CONFLICT (key_hash) DO NOTHING RETURNING key_hash`,
      );
      for (const row of rows) fresh.add(row.key_hash);
    }
    // Deleted once used: the same key twice in one call is one message, the first.
    const firsts = messages.map((m) => fresh.delete(hashOf.get(m.key) as string));
    // Due at once. On Postgres "now" is the database's clock, which claims compare with: a host whose
    // clock runs ahead would otherwise enqueue messages no worker may claim until the database catches
    // up. The earlier of the two, so a caller's own (earlier) clock, as tests inject, still holds.
    const dueAt = this.db.dialect === 'postgres' ? sql`LEAST(${now}::bigint, ${PG_NOW_MS})` : sql`${now}`;
    const stored = new Set<string>();
    for (const chunk of chunks(messages.filter((_, i) => firsts[i]))) {
      const rows = await tx.query<{ dedup_key: string }>(
        sql`INSERT INTO klaviyo_outbox (kind, dedup_key, order_key, lane, payload, state, attempts, available_at, created_at, updated_at)
         VALUES ${join(chunk.map((m) => sql`(${m.kind}, ${m.key}, ${orderKeyOf(m)}, ${laneOf(m)}, ${JSON.stringify(m.payload)}, 'pending', 0, ${dueAt}, ${now}, ${now})`))}
         ON CONFLICT (dedup_key) DO NOTHING RETURNING dedup_key`,
      );
      for (const row of rows) stored.add(row.dedup_key);
    }
    return messages.map((m, i) => Boolean(firsts[i]) && stored.has(m.key));
  }

  /**
   * Leases up to `limit` due messages, of which at most `maxEvents` events, lane 0 before lane 1
   * (laneOf) and oldest first within a lane, to `owner` until `now + leaseMs`. A message with an order key waits while an older one with the same
   * key is undelivered (backing off, or leased to a worker), so a retried profile write never lands
   * after a newer one and overwrites it; and while the key is fenced (an earlier write Klaviyo applies
   * asynchronously has not settled: markDelivered's `fences`).
   */
  async claim(
    owner: string,
    limit: number,
    leaseMs: number,
    now = Date.now(),
    kinds?: readonly string[],
    maxEvents?: number,
  ): Promise<OutboxRecord[]> {
    if (kinds && kinds.length === 0) return [];
    // A worker claims only the kinds it can deliver: during a rolling deploy an older worker leaves a
    // kind added since for the newer ones, instead of dropping it.
    const known = kinds ? sql` AND kind IN (${join(kinds)})` : empty;
    const due = sql`state IN ('pending', 'retrying') AND available_at <= ${now} AND (lease_until IS NULL OR lease_until < ${now})${known}
      AND (order_key IS NULL OR NOT EXISTS (SELECT 1 FROM klaviyo_outbox older WHERE older.order_key = candidate.order_key
        AND older.id < candidate.id AND older.state IN ('pending', 'retrying'))
        AND NOT EXISTS (SELECT 1 FROM klaviyo_outbox_fences fence WHERE fence.order_key = candidate.order_key AND fence.until_ms > ${now}))`;
    // Postgres: SKIP LOCKED lets many workers claim disjoint batches at once. SQLite has one writer,
    // so the IMMEDIATE transaction already makes select-and-lease atomic.
    const lock = this.db.dialect === 'postgres' ? sql`FOR UPDATE SKIP LOCKED` : empty;
    // SQLite, without statistics, reads every waiting row through (state, id) and sorts them (about
    // 300 ms at half a million waiting); the due index walks them already in claim order and stops at
    // the limit (about 10 ms). Postgres plans this on its own statistics.
    const byDueIndex = this.db.dialect === 'sqlite' ? sql`INDEXED BY klaviyo_outbox_due_lane` : empty;
    const next = sql`SELECT id, kind, lane, available_at FROM klaviyo_outbox candidate ${byDueIndex} WHERE ${due}
      ORDER BY lane, available_at, id LIMIT ${limit} ${lock}`;
    // At most `maxEvents` events: the longest prefix of the next rows, in claim order, that holds no
    // more (one bulk job's worth, with the profile writes and consent of the same orders beside them).
    const picked =
      maxEvents === undefined
        ? next
        : sql`SELECT id FROM (SELECT id, SUM(CASE WHEN kind = 'event' THEN 1 ELSE 0 END)
            OVER (ORDER BY lane, available_at, id ROWS UNBOUNDED PRECEDING) AS events FROM (${next}) locked) counted
          WHERE events <= ${maxEvents}`;
    return this.db.transaction(async (tx) => {
      const rows = await tx.query<Row>(
        sql`UPDATE klaviyo_outbox SET lease_owner = ${owner}, lease_until = ${now + leaseMs}, updated_at = ${now}
         WHERE id IN (SELECT id FROM (${picked}) claimable)
         RETURNING *`,
      );
      return rows.map(toRecord).sort((a, b) => a.id - b.id);
    });
  }

  /**
   * The time rows are stamped and compared in: the database's clock on Postgres (one clock for every
   * host sharing the outbox), this process's on SQLite (one process, so one clock).
   */
  async now(): Promise<number> {
    if (this.db.dialect !== 'postgres') return Date.now();
    const [row] = await this.db.query<{ now_ms: number | string }>(sql`SELECT ${PG_NOW_MS} AS now_ms`);
    return Number(row?.now_ms);
  }

  /**
   * Extends `owner`'s lease on the messages it still holds to `now + leaseMs`; returns the ids it
   * still holds. One that is missing was lost: the lease ran out and another worker claimed it, or
   * it was settled.
   */
  async renew(owner: string, ids: readonly number[], leaseMs: number, now = Date.now()): Promise<number[]> {
    const held: number[] = [];
    for (const chunk of chunks(ids)) {
      const rows = await this.db.query<{ id: number }>(
        sql`UPDATE klaviyo_outbox SET lease_until = ${now + leaseMs} WHERE lease_owner = ${owner}
         AND state IN ('pending', 'retrying') AND id IN (${join(chunk)}) RETURNING id`,
      );
      held.push(...rows.map((r) => Number(r.id)));
    }
    return held;
  }

  /**
   * The marks below change only rows the caller still holds: a worker whose lease ran out must not
   * undo what the worker that claimed the rows after it has recorded.
   */
  async markDelivered(
    owner: string,
    ids: readonly number[],
    now = Date.now(),
    fences: readonly OutboxFence[] = [],
  ): Promise<void> {
    if (ids.length === 0) return;
    // The hour's delivery count and the fences move with the rows, in one transaction (what counts()
    // reads; a write marked delivered without its fence could be overtaken).
    await this.db.transaction(async (tx) => {
      const rows = await tx.query<{ id: number; order_key: string | null; kind: string }>(
        sql`UPDATE klaviyo_outbox SET state = 'delivered', delivered_at = ${now}, updated_at = ${now}, attempts = attempts + 1,
         lease_owner = NULL, lease_until = NULL, last_error = NULL WHERE lease_owner = ${owner} AND id IN (${join(ids)}) RETURNING id, order_key, kind`,
      );
      // Fences only for writes this owner still held: a row gone meanwhile (erased, erasure/) must
      // not leave its person's order key behind in the fences.
      const held = new Set(rows.map((r) => r.order_key));
      const kept = [...new Map(fences.map((f) => [f.orderKey, f])).values()].filter((f) =>
        held.has(f.orderKey),
      );
      for (const chunk of chunks(kept))
        await tx.query(sql`INSERT INTO klaviyo_outbox_fences (order_key, until_ms, job)
          VALUES ${join(chunk.map((f) => sql`(${f.orderKey}, ${f.untilMs}, ${f.job ?? null})`))}
          ON CONFLICT (order_key) DO UPDATE SET until_ms = excluded.until_ms, job = excluded.job`);
      await redactDeliveredDeletions(
        tx,
        rows.filter((r) => r.kind === 'profile-deletion').map((r) => Number(r.id)),
      );
      if (rows.length > 0)
        await tx.query(sql`INSERT INTO klaviyo_outbox_delivered_hours (hour, n) VALUES (${Math.floor(now / HOUR_MS)}, ${rows.length})
         ON CONFLICT (hour) DO UPDATE SET n = klaviyo_outbox_delivered_hours.n + excluded.n`);
    });
  }

  /**
   * Gives leased messages back untouched but for when they are next due (`availableAt`, or unchanged):
   * messages never sent this round, or of a kind this worker does not know. No attempt is counted and
   * the state and last error stay as they were.
   */
  async release(owner: string, ids: readonly number[], availableAt?: number, now = Date.now()) {
    if (ids.length === 0) return;
    await this.db.query(
      sql`UPDATE klaviyo_outbox SET available_at = COALESCE(${availableAt ?? null}, available_at), updated_at = ${now}, lease_owner = NULL,
       lease_until = NULL WHERE lease_owner = ${owner} AND id IN (${join(ids)})`,
    );
  }

  /** Schedules another attempt; `countAttempt` is false when Klaviyo only asked us to wait (429). */
  async markRetry(
    owner: string,
    ids: readonly number[],
    error: DeliveryError,
    availableAt: number,
    countAttempt: boolean,
    now = Date.now(),
  ) {
    if (ids.length === 0) return;
    await this.db.query(
      sql`UPDATE klaviyo_outbox SET state = 'retrying', available_at = ${availableAt}, updated_at = ${now}, attempts = attempts + ${countAttempt ? 1 : 0},
       lease_owner = NULL, lease_until = NULL, last_error = ${JSON.stringify(error)} WHERE lease_owner = ${owner} AND id IN (${join(ids)})`,
    );
  }

  /** Dead-letters messages Klaviyo rejected for good, with its error and pointer, for the merchant to see and replay. */
  async markDead(
    owner: string,
    ids: readonly number[],
    error: DeliveryError,
    now = Date.now(),
  ): Promise<void> {
    if (ids.length === 0) return;
    await this.db.query(
      sql`UPDATE klaviyo_outbox SET state = 'dead', updated_at = ${now}, attempts = attempts + 1,
       lease_owner = NULL, lease_until = NULL, last_error = ${JSON.stringify(error)} WHERE lease_owner = ${owner} AND id IN (${join(ids)})`,
    );
  }

  /**
   * Puts dead letters back in the queue (all of them when `ids` is omitted), with their attempts
   * reset, and says which it left dead and why. A dead profile write or consent change is superseded
   * when a newer one of the same sort for the same person (order key) has been accepted since and is
   * not dead: Klaviyo keeps the last write (create_or_update_profile) and the last consent, so sending
   * the older one after it would bring back the old value or re-subscribe someone who has since
   * unsubscribed. Decided and applied in one transaction.
   */
  async replay(ids?: readonly number[], now = Date.now()): Promise<ReplayResult> {
    if (ids && ids.length === 0) return { replayed: [], skipped: [] };
    return this.db.transaction(async (tx) => {
      // Postgres: a message enqueued (and perhaps delivered) between the look for newer messages and
      // the update would otherwise be missed. Enqueues wait for the replay; SQLite's writer lock does this.
      if (this.db.dialect === 'postgres')
        await tx.query(sql`LOCK TABLE klaviyo_outbox IN SHARE ROW EXCLUSIVE MODE`);
      const dead: Row[] = [];
      if (ids) {
        for (const chunk of chunks(ids)) {
          dead.push(
            ...(await tx.query<Row>(
              sql`SELECT * FROM klaviyo_outbox WHERE state = 'dead' AND id IN (${join(chunk)})`,
            )),
          );
        }
      } else {
        dead.push(...(await tx.query<Row>(sql`SELECT * FROM klaviyo_outbox WHERE state = 'dead'`)));
      }
      const candidates = dead.map((row) => ({ record: toRecord(row), orderKey: row.order_key }));
      const keys = [...new Set(candidates.map((c) => c.orderKey).filter((k): k is string => !!k))];
      const later = new Map<string, OutboxRecord[]>();
      for (const chunk of chunks(keys)) {
        const rows = await tx.query<Row>(
          sql`SELECT * FROM klaviyo_outbox WHERE state <> 'dead' AND order_key IN (${join(chunk)}) ORDER BY id`,
        );
        for (const row of rows) {
          const key = row.order_key as string;
          const list = later.get(key) ?? [];
          list.push(toRecord(row));
          later.set(key, list);
        }
      }
      const skipped: ReplaySkip[] = [];
      const replay: number[] = [];
      for (const { record, orderKey } of candidates) {
        const sort = supersedeSort(record);
        const newer = sort
          ? (later.get(orderKey ?? '') ?? [])
              .filter((n) => n.id > record.id && supersedeSort(n) === sort)
              .at(-1)
          : undefined;
        if (!newer) {
          replay.push(record.id);
          continue;
        }
        skipped.push({
          id: record.id,
          reason: 'superseded',
          supersededBy: newer.id,
          detail: `Message ${newer.id}, a newer ${describeSort(newer)} for the same person, was accepted after this one (${newer.state}); replaying this one would undo it.`,
        });
      }
      const replayed: number[] = [];
      for (const chunk of chunks(replay)) {
        const rows = await tx.query<{ id: number }>(
          sql`UPDATE klaviyo_outbox SET state = 'pending', attempts = 0, available_at = ${now}, updated_at = ${now},
           lease_owner = NULL, lease_until = NULL WHERE state = 'dead' AND id IN (${join(chunk)}) RETURNING id`,
        );
        replayed.push(...rows.map((r) => Number(r.id)));
      }
      return { replayed: replayed.sort((a, b) => a - b), skipped: skipped.sort((a, b) => a.id - b.id) };
    });
  }

  /**
   * Deletes up to `limit` messages delivered before `olderThan` (epoch ms), oldest first, and returns
   * how many went. Dead letters are never pruned: the merchant must see and replay them. Bounded
   * batches, so no statement holds a big table for long; call it again while it returns `limit`.
   *
   * First the hashes of their keys are recorded in `klaviyo_outbox_keys` and committed (what dedup
   * needs, without the key), then the rows are deleted with the hour counters in one transaction.
   * Concurrent prunes skip each other's rows (SKIP LOCKED on Postgres; SQLite has one writer), and
   * each counts only the rows its own DELETE returned, so neither fails nor counts a row twice.
   */
  async prune(olderThan: number, limit = 1000): Promise<number> {
    const candidates = await this.db.query<{ id: number; dedup_key: string; created_at: number }>(
      sql`SELECT id, dedup_key, created_at FROM klaviyo_outbox WHERE state = 'delivered' AND delivered_at < ${olderThan}
       ORDER BY delivered_at LIMIT ${Math.max(1, Math.floor(limit))}`,
    );
    if (candidates.length === 0) return 0;
    const keys = new Map<string, number>();
    for (const c of candidates) keys.set(dedupKeyHash(c.dedup_key), Number(c.created_at));
    for (const chunk of chunks([...keys].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)))) {
      await this.db.query(
        sql`INSERT INTO klaviyo_outbox_keys (key_hash, created_at) VALUES ${join(chunk.map(([h, at]) => sql`(${h}, ${at})`))}
         ON CONFLICT (key_hash) DO NOTHING`,
      );
    }
    const lock = this.db.dialect === 'postgres' ? sql`FOR UPDATE SKIP LOCKED` : empty;
    return this.db.transaction(async (tx) => {
      const gone = await tx.query<{ delivered_at: number }>(
        sql`DELETE FROM klaviyo_outbox WHERE id IN (SELECT id FROM klaviyo_outbox
         WHERE state = 'delivered' AND id IN (${join(candidates.map((c) => c.id))}) ${lock}) RETURNING delivered_at`,
      );
      const perHour = new Map<number, number>();
      for (const row of gone) {
        const hour = Math.floor(Number(row.delivered_at) / HOUR_MS);
        perHour.set(hour, (perHour.get(hour) ?? 0) + 1);
      }
      // In hour order, so two prunes never wait on each other's counters crosswise.
      const hours = [...perHour.keys()].sort((a, b) => a - b);
      for (const hour of hours)
        await tx.query(
          sql`UPDATE klaviyo_outbox_delivered_hours SET n = n - ${perHour.get(hour) ?? 0} WHERE hour = ${hour}`,
        );
      if (hours.length > 0)
        await tx.query(
          sql`DELETE FROM klaviyo_outbox_delivered_hours WHERE hour IN (${join(hours)}) AND n <= 0`,
        );
      return gone.length;
    });
  }

  /**
   * Forgets up to `limit` key hashes accepted before `olderThan`, oldest first; returns how many. A
   * key whose message is still in the outbox (a dead letter, a long backlog) stays deduplicated by the
   * outbox's own unique key.
   */
  async expireKeys(olderThan: number, limit = 1000): Promise<number> {
    const rows = await this.db.query<{ key_hash: string }>(
      sql`DELETE FROM klaviyo_outbox_keys WHERE key_hash IN (SELECT key_hash FROM klaviyo_outbox_keys
       WHERE created_at < ${olderThan} ORDER BY created_at LIMIT ${Math.max(1, Math.floor(limit))}) RETURNING key_hash`,
    );
    return rows.length;
  }

  /**
   * Messages per state. Waiting and dead ones are counted on the (state, id) index, which holds the
   * backlog and the dead letters apart from the delivered bulk; delivered ones come from the hour
   * counters, never from a scan of the table.
   */
  async counts(): Promise<Record<OutboxState, number>> {
    const [rows, [delivered]] = await Promise.all([
      this.db.query<{ state: OutboxState; n: number }>(
        sql`SELECT state, COUNT(*) AS n FROM klaviyo_outbox WHERE state IN ('pending', 'retrying', 'dead') GROUP BY state`,
      ),
      this.db.query<{ n: number | null }>(sql`SELECT SUM(n) AS n FROM klaviyo_outbox_delivered_hours`),
    ]);
    const counts: Record<OutboxState, number> = { pending: 0, retrying: 0, delivered: 0, dead: 0 };
    for (const row of rows) counts[row.state] = Number(row.n);
    counts.delivered = Number(delivered?.n ?? 0);
    return counts;
  }

  /**
   * How the outbox is doing, for a dashboard: counts per state, when the oldest message still waiting
   * was enqueued and when the last delivery happened (null when there is none).
   */
  async stats(): Promise<OutboxStats> {
    // Each is one end of a partial index (klaviyo_outbox_waiting, klaviyo_outbox_delivered): the
    // predicates must read as the indexes' own for SQLite to use them.
    const [counts, [oldest], [last]] = await Promise.all([
      this.counts(),
      this.db.query<{ at: number | null }>(
        sql`SELECT MIN(created_at) AS at FROM klaviyo_outbox WHERE state IN ('pending', 'retrying')`,
      ),
      this.db.query<{ at: number | null }>(
        sql`SELECT MAX(delivered_at) AS at FROM klaviyo_outbox WHERE state = 'delivered'`,
      ),
    ]);
    return {
      counts,
      oldestPendingAt: oldest?.at != null ? Number(oldest.at) : null,
      // Null too once every delivery is older than the retention and pruned.
      lastDeliveredAt: last?.at != null ? Number(last.at) : null,
    };
  }

  /**
   * Messages delivered at or after `since`, counted per `bucketMs`-long bucket: bucket number
   * (`delivered_at / bucketMs`, rounded down) to count; buckets with no delivery are absent.
   */
  async deliveredPerBucket(since: number, bucketMs: number): Promise<Map<number, number>> {
    const size = Math.max(1, Math.floor(bucketMs));
    if (size % HOUR_MS === 0 && since % HOUR_MS === 0) {
      // Whole hours from a whole hour (the dashboard's chart): the hour counters answer exactly.
      const rows = await this.db.query<{ hour: number; n: number }>(
        sql`SELECT hour, n FROM klaviyo_outbox_delivered_hours WHERE hour >= ${since / HOUR_MS}`,
      );
      const buckets = new Map<number, number>();
      for (const row of rows) {
        const bucket = Math.floor((Number(row.hour) * HOUR_MS) / size);
        buckets.set(bucket, (buckets.get(bucket) ?? 0) + Number(row.n));
      }
      return buckets;
    }
    // Otherwise a range of the delivered_at index (klaviyo_outbox_delivered).
    // `size` is inlined, not bound: Postgres must see the same expression in SELECT and GROUP BY.
    const per = raw(String(size));
    const rows = await this.db.query<{ bucket: number; n: number }>(
      sql`SELECT delivered_at / ${per} AS bucket, COUNT(*) AS n FROM klaviyo_outbox
       WHERE state = 'delivered' AND delivered_at >= ${since} GROUP BY delivered_at / ${per}`,
    );
    return new Map(rows.map((r) => [Math.floor(Number(r.bucket)), Number(r.n)]));
  }

  /** A page of messages, newest first, for the delivery view. */
  async list(
    options: { state?: OutboxState; beforeId?: number; limit?: number } = {},
  ): Promise<OutboxRecord[]> {
    const where = [
      ...(options.state ? [sql`state = ${options.state}`] : []),
      ...(options.beforeId ? [sql`id < ${options.beforeId}`] : []),
    ];
    const rows = await this.db.query<Row>(
      sql`SELECT * FROM klaviyo_outbox ${where.length ? join(where, ' AND ', 'WHERE ') : empty} ORDER BY id DESC LIMIT ${options.limit ?? 50}`,
    );
    return rows.map(toRecord);
  }

  /** The account-wide pause after a 429 (0 when none). */
  async pausedUntil(account: string): Promise<number> {
    const rows = await this.db.query<{ until_ms: number }>(
      sql`SELECT until_ms FROM klaviyo_outbox_pause WHERE account = ${account}`,
    );
    return rows[0]?.until_ms ?? 0;
  }

  async pause(account: string, untilMs: number): Promise<void> {
    await this.db.query(sql`INSERT INTO klaviyo_outbox_pause (account, until_ms) VALUES (${account}, ${untilMs})
       ON CONFLICT (account) DO UPDATE SET until_ms = CASE WHEN excluded.until_ms > klaviyo_outbox_pause.until_ms THEN excluded.until_ms ELSE klaviyo_outbox_pause.until_ms END`);
  }
}
