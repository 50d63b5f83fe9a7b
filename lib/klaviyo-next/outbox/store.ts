import 'server-only';
import sql, { empty, join, raw } from 'sql-template-tag';
import type { SqlDatabase, SqlExecutor } from '../sql/types';
import {
  type DeliveryError,
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

  /** Adds messages in the caller's transaction; a message whose key is already stored is skipped. */
  async enqueue(tx: SqlExecutor, messages: readonly OutboxMessage[], now = Date.now()): Promise<number> {
    let added = 0;
    for (const m of messages) {
      const rows =
        await tx.query(sql`INSERT INTO klaviyo_outbox (kind, dedup_key, order_key, payload, state, attempts, available_at, created_at, updated_at)
         VALUES (${m.kind}, ${m.key}, ${orderKeyOf(m)}, ${JSON.stringify(m.payload)}, 'pending', 0, ${now}, ${now}, ${now}) ON CONFLICT (dedup_key) DO NOTHING RETURNING id`);
      added += rows.length;
    }
    return added;
  }

  /**
   * Leases up to `limit` due messages, oldest first, to `owner` until `now + leaseMs`. A message with an
   * order key waits while an older one with the same key is undelivered (backing off, or leased to a
   * worker), so a retried profile write never lands after a newer one and overwrites it.
   */
  async claim(
    owner: string,
    limit: number,
    leaseMs: number,
    now = Date.now(),
    kinds?: readonly string[],
  ): Promise<OutboxRecord[]> {
    if (kinds && kinds.length === 0) return [];
    // A worker claims only the kinds it can deliver: during a rolling deploy an older worker leaves a
    // kind added since for the newer ones, instead of dropping it.
    const known = kinds ? sql` AND kind IN (${join(kinds)})` : empty;
    const due = sql`state IN ('pending', 'retrying') AND available_at <= ${now} AND (lease_until IS NULL OR lease_until < ${now})${known}
      AND (order_key IS NULL OR NOT EXISTS (SELECT 1 FROM klaviyo_outbox older WHERE older.order_key = candidate.order_key
        AND older.id < candidate.id AND older.state IN ('pending', 'retrying')))`;
    // Postgres: SKIP LOCKED lets many workers claim disjoint batches at once. SQLite has one writer,
    // so the IMMEDIATE transaction already makes select-and-lease atomic.
    const lock = this.db.dialect === 'postgres' ? sql`FOR UPDATE SKIP LOCKED` : empty;
    return this.db.transaction(async (tx) => {
      const rows = await tx.query<Row>(
        sql`UPDATE klaviyo_outbox SET lease_owner = ${owner}, lease_until = ${now + leaseMs}, updated_at = ${now}
         WHERE id IN (SELECT id FROM klaviyo_outbox candidate WHERE ${due} ORDER BY available_at, id LIMIT ${limit} ${lock})
         RETURNING *`,
      );
      return rows.map(toRecord).sort((a, b) => a.id - b.id);
    });
  }

  /**
   * The marks below change only rows the caller still holds: a worker whose lease ran out must not
   * undo what the worker that claimed the rows after it has recorded.
   */
  async markDelivered(owner: string, ids: readonly number[], now = Date.now()): Promise<void> {
    if (ids.length === 0) return;
    await this.db.query(
      sql`UPDATE klaviyo_outbox SET state = 'delivered', delivered_at = ${now}, updated_at = ${now}, attempts = attempts + 1,
       lease_owner = NULL, lease_until = NULL, last_error = NULL WHERE lease_owner = ${owner} AND id IN (${join(ids)})`,
    );
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

  async counts(): Promise<Record<OutboxState, number>> {
    const rows = await this.db.query<{ state: OutboxState; n: number }>(
      sql`SELECT state, COUNT(*) AS n FROM klaviyo_outbox GROUP BY state`,
    );
    const counts: Record<OutboxState, number> = { pending: 0, retrying: 0, delivered: 0, dead: 0 };
    for (const row of rows) counts[row.state] = Number(row.n);
    return counts;
  }

  /**
   * How the outbox is doing, for a dashboard: counts per state, when the oldest message still waiting
   * was enqueued and when the last delivery happened (null when there is none).
   */
  async stats(): Promise<OutboxStats> {
    const [counts, [times]] = await Promise.all([
      this.counts(),
      this.db.query<{
        oldest: number | null;
        last: number | null;
      }>(sql`SELECT MIN(CASE WHEN state IN ('pending', 'retrying') THEN created_at END) AS oldest,
                MAX(delivered_at) AS last FROM klaviyo_outbox`),
    ]);
    return {
      counts,
      oldestPendingAt: times?.oldest != null ? Number(times.oldest) : null,
      lastDeliveredAt: times?.last != null ? Number(times.last) : null,
    };
  }

  /**
   * Messages delivered at or after `since`, counted per `bucketMs`-long bucket: bucket number
   * (`delivered_at / bucketMs`, rounded down) to count; buckets with no delivery are absent.
   */
  async deliveredPerBucket(since: number, bucketMs: number): Promise<Map<number, number>> {
    const size = Math.max(1, Math.floor(bucketMs));
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
