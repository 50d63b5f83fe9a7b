import 'server-only';
import sql, { join } from 'sql-template-tag';
import type { CatalogFailure } from '../dashboard/catalog-contracts';
import type { SqlExecutor } from '../sql/types';

export type { CatalogFailure };

import type { CatalogObjectType } from './change';
import type { CatalogAction, EntryError, JobEntry } from './jobs';

/** What the plugin knows Klaviyo holds of one object (klaviyo_catalog_synced). */
export interface Synced {
  /** null: deleted (a tombstone). */
  hash: string | null;
  parentId: string | null;
  at: number;
  outboxId: number;
}

export const objectKey = (type: CatalogObjectType, id: string) => `${type}:${id}`;

interface SyncedRow {
  object_type: CatalogObjectType;
  object_id: string;
  hash: string | null;
  parent_id: string | null;
  at: number | string;
  outbox_id: number | string;
}

const toSynced = (r: SyncedRow): Synced => ({
  hash: r.hash,
  parentId: r.parent_id,
  at: Number(r.at),
  outboxId: Number(r.outbox_id),
});

/** The synced state of the given objects, and of every variant of the given items. */
export async function loadSynced(
  db: SqlExecutor,
  objects: readonly { type: CatalogObjectType; id: string }[],
  itemIds: readonly string[],
): Promise<Map<string, Synced>> {
  const out = new Map<string, Synced>();
  const byType = new Map<CatalogObjectType, string[]>();
  for (const o of objects) byType.set(o.type, [...(byType.get(o.type) ?? []), o.id]);
  for (const [type, ids] of byType)
    for (let i = 0; i < ids.length; i += 500) {
      const rows = await db.query<SyncedRow>(
        sql`SELECT * FROM klaviyo_catalog_synced WHERE object_type = ${type} AND object_id IN (${join(ids.slice(i, i + 500))})`,
      );
      for (const r of rows) out.set(objectKey(r.object_type, r.object_id), toSynced(r));
    }
  for (let i = 0; i < itemIds.length; i += 500) {
    const rows = await db.query<SyncedRow>(
      sql`SELECT * FROM klaviyo_catalog_synced WHERE object_type = 'variant' AND parent_id IN (${join(itemIds.slice(i, i + 500))})`,
    );
    for (const r of rows) out.set(objectKey(r.object_type, r.object_id), toSynced(r));
  }
  return out;
}

/**
 * Whether `synced` was set by a change newer than the one with `outboxId`: then that change must not
 * be sent. Newer is a later outbox id, not a later `at`: ids follow the order the store's
 * transactions enqueued the changes (a product's changes lock its row), while `at` is whichever
 * host's clock built the change, and two hosts' clocks differ.
 */
export const newerThan = (synced: Synced | undefined, outboxId: number) =>
  synced !== undefined && synced.outboxId > outboxId;

/**
 * Records that Klaviyo applied an entry, unless a newer change already set the object (two workers
 * settling jobs in either order end with the newest), and clears the object's failure.
 */
export async function recordApplied(db: SqlExecutor, entry: JobEntry, now: number): Promise<void> {
  const hash = entry.action === 'delete' ? null : entry.hash;
  await db.query(sql`INSERT INTO klaviyo_catalog_synced (object_type, object_id, hash, parent_id, at, outbox_id, updated_at)
    VALUES (${entry.type}, ${entry.id}, ${hash}, ${entry.parentId ?? null}, ${entry.at}, ${entry.outboxId}, ${now})
    ON CONFLICT (object_type, object_id) DO UPDATE SET hash = excluded.hash,
      parent_id = COALESCE(excluded.parent_id, klaviyo_catalog_synced.parent_id), at = excluded.at,
      outbox_id = excluded.outbox_id, updated_at = excluded.updated_at
    WHERE klaviyo_catalog_synced.outbox_id <= excluded.outbox_id`);
  await db.query(
    sql`DELETE FROM klaviyo_catalog_failures WHERE object_type = ${entry.type} AND object_id = ${entry.id}`,
  );
}

export async function recordFailure(
  db: SqlExecutor,
  entry: JobEntry,
  error: EntryError,
  jobId: string | null,
  now: number,
): Promise<void> {
  await db.query(sql`INSERT INTO klaviyo_catalog_failures (object_type, object_id, action, code, detail, pointer, job_id, outbox_id, failed_at)
    VALUES (${entry.type}, ${entry.id}, ${entry.action}, ${error.code}, ${error.detail}, ${error.pointer ?? null}, ${jobId}, ${entry.outboxId}, ${now})
    ON CONFLICT (object_type, object_id) DO UPDATE SET action = excluded.action, code = excluded.code,
      detail = excluded.detail, pointer = excluded.pointer, job_id = excluded.job_id,
      outbox_id = excluded.outbox_id, failed_at = excluded.failed_at`);
}

interface FailureRow {
  object_type: CatalogObjectType;
  object_id: string;
  action: CatalogAction;
  code: string;
  detail: string;
  pointer: string | null;
  job_id: string | null;
  outbox_id: number | string | null;
  failed_at: number | string;
}

/** The objects whose last sync failed, newest first. */
export async function listFailures(db: SqlExecutor, limit = 500): Promise<CatalogFailure[]> {
  const rows = await db.query<FailureRow>(
    sql`SELECT * FROM klaviyo_catalog_failures ORDER BY failed_at DESC, object_type, object_id LIMIT ${limit}`,
  );
  return rows.map((r) => ({
    type: r.object_type,
    id: r.object_id,
    action: r.action,
    code: r.code,
    detail: r.detail,
    ...(r.pointer ? { pointer: r.pointer } : {}),
    ...(r.job_id ? { jobId: r.job_id } : {}),
    ...(r.outbox_id != null ? { outboxId: Number(r.outbox_id) } : {}),
    failedAt: Number(r.failed_at),
  }));
}

/**
 * A resync's look at Klaviyo: sets what Klaviyo actually holds (`hash`, null when absent) for objects
 * the table disagrees about, keeping the version, so the deliverer creates what is missing and
 * updates what differs. A change applied meanwhile (newer `updated_at` than `since`) is left alone.
 */
export async function reconcile(
  db: SqlExecutor,
  observed: readonly { type: CatalogObjectType; id: string; hash: string | null; parentId?: string }[],
  since: number,
  now: number,
): Promise<void> {
  for (const o of observed)
    await db.query(sql`INSERT INTO klaviyo_catalog_synced (object_type, object_id, hash, parent_id, at, outbox_id, updated_at)
      VALUES (${o.type}, ${o.id}, ${o.hash}, ${o.parentId ?? null}, 0, 0, ${now})
      ON CONFLICT (object_type, object_id) DO UPDATE SET hash = excluded.hash,
        parent_id = COALESCE(excluded.parent_id, klaviyo_catalog_synced.parent_id), updated_at = excluded.updated_at
      WHERE klaviyo_catalog_synced.updated_at <= ${since}`);
}

/** Every object the table believes Klaviyo holds (hash not null). */
export async function allSynced(db: SqlExecutor): Promise<{ type: CatalogObjectType; id: string }[]> {
  const rows = await db.query<{ object_type: CatalogObjectType; object_id: string }>(
    sql`SELECT object_type, object_id FROM klaviyo_catalog_synced WHERE hash IS NOT NULL`,
  );
  return rows.map((r) => ({ type: r.object_type, id: r.object_id }));
}

/**
 * The newest waiting catalog message of each order key (klaviyo_outbox): a claimed change with a
 * newer one behind it need not be sent, since the newer carries the whole object.
 */
export async function newestWaiting(
  db: SqlExecutor,
  orderKeys: readonly string[],
): Promise<Map<string, number>> {
  const out = new Map<string, number>();
  for (let i = 0; i < orderKeys.length; i += 500) {
    const rows = await db.query<{ order_key: string; newest: number | string }>(
      sql`SELECT order_key, MAX(id) AS newest FROM klaviyo_outbox WHERE kind = 'catalog'
        AND state IN ('pending', 'retrying') AND order_key IN (${join(orderKeys.slice(i, i + 500))}) GROUP BY order_key`,
    );
    for (const r of rows) out.set(r.order_key, Number(r.newest));
  }
  return out;
}

/**
 * Marks done, unsent, the catalog changes of one order key strictly between `afterId` (a change the
 * caller holds and passes over) and `beforeId` (the newest waiting, which carries the whole object and
 * is sent in its turn). No worker can hold them: the outbox claims a key's oldest waiting change only,
 * and the caller holds that one; a lease is still checked, so a row some worker does hold is left.
 * Without this, a run of N changes to one product would take N rounds to pass over.
 */
export async function passOver(
  db: SqlExecutor,
  orderKey: string,
  afterId: number,
  beforeId: number,
  now: number,
): Promise<number> {
  const rows = await db.query<{ id: number }>(
    sql`UPDATE klaviyo_outbox SET state = 'delivered', delivered_at = ${now}, updated_at = ${now}
      WHERE kind = 'catalog' AND order_key = ${orderKey} AND id > ${afterId} AND id < ${beforeId}
        AND state IN ('pending', 'retrying') AND (lease_until IS NULL OR lease_until < ${now}) RETURNING id`,
  );
  return rows.length;
}

// ── jobs sent and not yet seen finished ─────────────────────────────────────

export interface OpenJob {
  jobId: string;
  type: CatalogObjectType;
  action: CatalogAction;
  entries: JobEntry[];
  createdAt: number;
}

export async function saveJob(db: SqlExecutor, job: Omit<OpenJob, 'createdAt'>, now: number): Promise<void> {
  // The attributes are not needed to settle the job: only which entry was which object.
  const entries = job.entries.map(({ attributes: _a, categoryIds: _c, ...rest }) => rest);
  await db.query(sql`INSERT INTO klaviyo_catalog_jobs (job_id, job_type, entries, created_at)
    VALUES (${job.jobId}, ${`${job.type}:${job.action}`}, ${JSON.stringify(entries)}, ${now})
    ON CONFLICT (job_id) DO NOTHING`);
}

export async function openJobs(db: SqlExecutor): Promise<OpenJob[]> {
  const rows = await db.query<{
    job_id: string;
    job_type: string;
    entries: string;
    created_at: number | string;
  }>(sql`SELECT job_id, job_type, entries, created_at FROM klaviyo_catalog_jobs ORDER BY created_at, job_id`);
  return rows.map((r) => {
    const [type, action] = r.job_type.split(':') as [CatalogObjectType, CatalogAction];
    return {
      jobId: r.job_id,
      type,
      action,
      entries: JSON.parse(r.entries) as JobEntry[],
      createdAt: Number(r.created_at),
    };
  });
}

/** Forgets a settled job; false when another worker settled it first. */
export async function closeJob(db: SqlExecutor, jobId: string): Promise<boolean> {
  const rows = await db.query<{ job_id: string }>(
    sql`DELETE FROM klaviyo_catalog_jobs WHERE job_id = ${jobId} RETURNING job_id`,
  );
  return rows.length > 0;
}
