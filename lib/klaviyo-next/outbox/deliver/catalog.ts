import 'server-only';
import type { KlaviyoClient } from '../../api/client';
import { KlaviyoApiError } from '../../api/errors';
import { type CatalogObjectType, catalogOrderKey } from '../../catalog/change';
import {
  type CatalogAction,
  type EntryError,
  entryIndex,
  JOB_MAX_ENTRIES,
  type JobEntry,
  type JobState,
  readJob,
  sendJob,
  waitForJob,
} from '../../catalog/jobs';
import {
  closeJob,
  loadSynced,
  newerThan,
  newestWaiting,
  objectKey,
  openJobs,
  passOver,
  recordApplied,
  recordFailure,
  type Synced,
  saveJob,
} from '../../catalog/state';
import type { SqlDatabase } from '../../sql/types';
import type { OutboxRecord } from '../types';
import type { RoundControl } from './index';
import { DELIVERED, failed, held, type Outcome, type Outcomes, onFailure, stoppedBy } from './outcome';

type CatalogRecord = Extract<OutboxRecord, { kind: 'catalog' }>;

/** Why a change waits: a job sent for one of its objects earlier has not finished yet. */
export const CATALOG_JOB_PENDING = new KlaviyoApiError('catalog', {
  status: 0,
  code: 'catalog_job_pending',
  detail:
    'A catalog bulk job for this object is still running at Klaviyo; the change goes once it has finished.',
});

/**
 * The order jobs go in, each stage sent and waited for before the next: categories before the items
 * that name them, items before their variants (Klaviyo refuses a variant whose item is missing), and
 * deletions the other way round (variants, then their item, then categories).
 */
const STAGES: { type: CatalogObjectType; actions: CatalogAction[] }[] = [
  { type: 'category', actions: ['create', 'update'] },
  { type: 'item', actions: ['create', 'update'] },
  { type: 'variant', actions: ['create', 'update'] },
  { type: 'variant', actions: ['delete'] },
  { type: 'item', actions: ['delete'] },
  { type: 'category', actions: ['delete'] },
];

/**
 * The longest a round waits for its jobs. Klaviyo usually finishes a job of 100 in seconds; a slower
 * one must not keep the worker from its next round (orders wait behind it), so its changes are held
 * and the job read again when they are next claimed.
 */
export const CATALOG_WAIT_MS = 15_000;
/**
 * A job still "running" after this long is given up on: its changes are sent again (a create that
 * meanwhile succeeded meets "already exists" and becomes an update), rather than waiting forever.
 */
export const CATALOG_JOB_GIVE_UP_MS = 60 * 60_000;

/** An object Klaviyo already has (a create met "already exists"): sent again as an update. */
const exists = (e: EntryError) =>
  e.code === 'conflict' || e.code === 'duplicate' || /already exists/i.test(e.detail);
/** The object itself is unknown (not a category or item it names: those point into relationships). */
const missing = (e: EntryError) =>
  (e.code === 'not_found' || /does not exist|not found/i.test(e.detail)) &&
  !(e.pointer ?? '').includes('/relationships/');

/** The entries a change needs, against what Klaviyo holds (create, update, delete, or nothing). */
function plan(record: CatalogRecord, synced: Map<string, Synced>): JobEntry[] | 'superseded' {
  const change = record.payload;
  const base = { at: change.at, outboxId: record.id };
  const upsert = (type: CatalogObjectType, id: string, hash: string): CatalogAction | null => {
    const known = synced.get(objectKey(type, id));
    if (known?.hash === hash) return null;
    return known?.hash ? 'update' : 'create';
  };
  const entries: JobEntry[] = [];
  switch (change.op) {
    case 'category': {
      const { id, attributes, hash } = change.category;
      if (newerThan(synced.get(objectKey('category', id)), record.id)) return 'superseded';
      const action = upsert('category', id, hash);
      if (action) entries.push({ ...base, type: 'category', id, action, hash, attributes });
      return entries;
    }
    case 'category-delete': {
      const known = synced.get(objectKey('category', change.categoryId));
      if (newerThan(known, record.id)) return 'superseded';
      if (known?.hash !== null || known === undefined)
        entries.push({ ...base, type: 'category', id: change.categoryId, action: 'delete', hash: null });
      return entries;
    }
    case 'product': {
      const { item, variants } = change;
      if (newerThan(synced.get(objectKey('item', item.id)), record.id)) return 'superseded';
      const itemAction = upsert('item', item.id, item.hash);
      if (itemAction)
        entries.push({
          ...base,
          type: 'item',
          id: item.id,
          action: itemAction,
          hash: item.hash,
          attributes: { ...item.attributes },
          categoryIds: item.categoryIds,
        });
      const kept = new Set<string>();
      for (const v of variants) {
        kept.add(v.id);
        const action = upsert('variant', v.id, v.hash);
        if (action)
          entries.push({
            ...base,
            type: 'variant',
            id: v.id,
            action,
            hash: v.hash,
            parentId: item.id,
            attributes: { ...v.attributes },
          });
      }
      // Variants Klaviyo holds for this item that the product no longer has.
      for (const [key, s] of synced)
        if (key.startsWith('variant:') && s.parentId === item.id && s.hash !== null) {
          const id = key.slice('variant:'.length);
          if (!kept.has(id))
            entries.push({ ...base, type: 'variant', id, action: 'delete', hash: null, parentId: item.id });
        }
      return entries;
    }
    case 'product-delete': {
      const parent = change.itemId ?? change.parentId;
      if (change.itemId && newerThan(synced.get(objectKey('item', change.itemId)), record.id))
        return 'superseded';
      const ids = new Set(change.variantIds);
      if (change.itemId)
        for (const [key, s] of synced)
          if (key.startsWith('variant:') && s.parentId === change.itemId && s.hash !== null)
            ids.add(key.slice('variant:'.length));
      for (const id of ids) {
        const known = synced.get(objectKey('variant', id));
        if (newerThan(known, record.id) || known?.hash === null) continue;
        entries.push({
          ...base,
          type: 'variant',
          id,
          action: 'delete',
          hash: null,
          ...(parent ? { parentId: parent } : {}),
        });
      }
      if (change.itemId && synced.get(objectKey('item', change.itemId))?.hash !== null)
        entries.push({ ...base, type: 'item', id: change.itemId, action: 'delete', hash: null });
      return entries;
    }
  }
}

export interface CatalogDeliverOptions {
  db: SqlDatabase;
  now: () => number;
}

/**
 * Delivers catalog changes through Klaviyo's catalog bulk jobs (up to 100 entries each, one job per
 * type and action), waiting for each stage's jobs before the next (STAGES). A job's per-entry
 * failures are read from the finished job: "already exists" on a create is sent again as an update,
 * "not found" on an update as a create, "not found" on a delete counts as done; any other failure is
 * stored with Klaviyo's code, detail and pointer (klaviyo_catalog_failures, the admin's Catalog page)
 * and dead-letters the change. A round that ends while a job runs leaves the job recorded
 * (klaviyo_catalog_jobs) and its changes held: when they are claimed again the job is read first.
 */
export async function deliverCatalog(
  client: KlaviyoClient,
  records: readonly CatalogRecord[],
  outcomes: Outcomes,
  control: RoundControl,
  options: CatalogDeliverOptions,
): Promise<void> {
  if (records.length === 0) return;
  const { db, now } = options;
  const outcomeOf = new Map<number, Outcome>();
  const set = (id: number, outcome: Outcome) => {
    const prior = outcomeOf.get(id);
    // The first failure or hold of a change is its outcome; later entries do not undo it.
    if (prior && prior.kind !== 'delivered') return;
    outcomeOf.set(id, outcome);
  };

  // 1. Jobs an earlier round left running: settle the finished ones; objects of running ones wait.
  const busy = new Set<string>();
  try {
    for (const job of await openJobs(db)) {
      const state = await readJob(client, job.type, job.action, job.jobId, control.signal);
      if (state.status === 'running' && now() - job.createdAt < CATALOG_JOB_GIVE_UP_MS)
        for (const e of job.entries) busy.add(objectKey(e.type, e.id));
      else await settle(job.jobId, job.entries, state.status === 'running' ? { status: 'gone' } : state);
    }
  } catch (error) {
    const outcome = onFailure(control, error, 'catalog jobs');
    for (const r of records) outcomes.set(r.id, outcome);
    return;
  }

  // 2. What each change needs, against what Klaviyo holds.
  const objects = records.flatMap((r) => objectsOf(r));
  const itemIds = records.flatMap((r) =>
    r.payload.op === 'product'
      ? [r.payload.item.id]
      : r.payload.op === 'product-delete' && r.payload.itemId
        ? [r.payload.itemId]
        : [],
  );
  const synced = await loadSynced(db, objects, itemIds);
  const newest = await newestWaiting(db, [...new Set(records.map((r) => catalogOrderKey(r.payload)))]);
  const pending: JobEntry[] = [];
  const byId = new Map(records.map((r) => [r.id, r]));
  for (const record of records) {
    if (objectsOf(record).some((o) => busy.has(objectKey(o.type, o.id)))) {
      set(record.id, held(CATALOG_JOB_PENDING));
      continue;
    }
    // A newer change to the same product or category waits behind this one and carries the whole
    // object: this one is done without a request (a sale a second sends the stock once, not each time).
    const key = catalogOrderKey(record.payload);
    const newer = newest.get(key) ?? 0;
    if (newer > record.id) {
      // So are the changes between it and the newest: the newest is claimed next, not N rounds on.
      await passOver(db, key, record.id, newer, now());
      set(record.id, DELIVERED);
      continue;
    }
    const entries = plan(record, synced);
    set(record.id, DELIVERED);
    // An object a newer change already set (a dead letter replayed late) is left as it is.
    if (entries !== 'superseded')
      pending.push(...entries.filter((e) => !newerThan(synced.get(objectKey(e.type, e.id)), e.outboxId)));
  }

  // 3. Stage by stage; a change whose earlier entry failed sends nothing more.
  for (const stage of STAGES) {
    let todo = pending.filter(
      (e) =>
        e.type === stage.type &&
        stage.actions.includes(e.action) &&
        outcomeOf.get(e.outboxId)?.kind === 'delivered',
    );
    // A second pass sends what the first found switched (create <-> update); never more than two.
    for (let pass = 0; pass < 2 && todo.length > 0; pass++) {
      const stop = stoppedBy(control);
      if (stop) {
        for (const e of todo) set(e.outboxId, held(stop));
        break;
      }
      todo = await runStage(stage.type, todo, pass === 1);
    }
  }

  for (const record of records) outcomes.set(record.id, outcomeOf.get(record.id) ?? DELIVERED);

  /**
   * Sends one job. Klaviyo refuses a whole job (400) for one bad entry, naming it by its pointer:
   * that entry's failure is stored and the job is sent again without it, so one product a store got
   * wrong never holds back the other 99. Returns the job, or nothing when no entry was left to send.
   */
  async function queue(type: CatalogObjectType, action: CatalogAction, chunk: JobEntry[]) {
    let entries = chunk;
    while (entries.length > 0) {
      try {
        const jobId = await sendJob(client, type, action, entries, control.signal);
        await saveJob(db, { jobId, type, action, entries }, now());
        return { jobId, action, entries };
      } catch (error) {
        const outcome = onFailure(control, error, `bulk_${action}_catalog_${type}s`);
        const index =
          error instanceof KlaviyoApiError && error.status === 400 ? entryIndex(error.pointer) : undefined;
        const bad = index === undefined ? undefined : entries[index];
        if (outcome.kind === 'failed' && !outcome.error.retryable) {
          for (const e of bad ? [bad] : entries)
            await recordFailure(
              db,
              e,
              {
                index,
                code: outcome.error.code,
                detail: outcome.error.detail,
                ...(outcome.error.pointer ? { pointer: outcome.error.pointer } : {}),
              },
              null,
              now(),
            );
        }
        if (!bad) {
          for (const e of entries) set(e.outboxId, outcome);
          return undefined;
        }
        set(bad.outboxId, outcome);
        entries = entries.filter((e) => e !== bad && outcomeOf.get(e.outboxId)?.kind === 'delivered');
      }
    }
    return undefined;
  }

  /**
   * An item Klaviyo no longer has took its variants with it (deleting an item deletes its variants):
   * every variant of the change is created again after the item, whatever the plugin believed synced.
   */
  function recreateVariants(item: JobEntry) {
    const change = byId.get(item.outboxId)?.payload;
    if (change?.op !== 'product') return;
    for (const v of change.variants) {
      const at = pending.findIndex(
        (e) => e.type === 'variant' && e.id === v.id && e.outboxId === item.outboxId,
      );
      if (at >= 0) pending.splice(at, 1);
      pending.push({
        type: 'variant',
        id: v.id,
        action: 'create',
        hash: v.hash,
        at: item.at,
        outboxId: item.outboxId,
        parentId: change.item.id,
        attributes: { ...v.attributes },
      });
    }
  }

  /** Sends the entries (grouped by action, 100 a job), waits for the jobs; returns entries to resend. */
  async function runStage(
    type: CatalogObjectType,
    entries: JobEntry[],
    lastPass: boolean,
  ): Promise<JobEntry[]> {
    const sent: { jobId: string; action: CatalogAction; entries: JobEntry[] }[] = [];
    for (const action of ['create', 'update', 'delete'] as const) {
      const ofAction = entries.filter((e) => e.action === action);
      for (let i = 0; i < ofAction.length; i += JOB_MAX_ENTRIES) {
        const chunk = ofAction.slice(i, i + JOB_MAX_ENTRIES);
        const stop = stoppedBy(control);
        if (stop) {
          for (const e of chunk) set(e.outboxId, held(stop));
          continue;
        }
        const queued = await queue(type, action, chunk);
        if (queued) sent.push(queued);
      }
    }
    const again: JobEntry[] = [];
    for (const job of sent) {
      let state: JobState;
      try {
        const waiting = AbortSignal.any([control.signal, AbortSignal.timeout(CATALOG_WAIT_MS)]);
        state = await waitForJob(client, type, job.action, job.jobId, waiting);
      } catch (error) {
        const outcome = onFailure(control, error, `read catalog ${type} job`);
        for (const e of job.entries)
          set(e.outboxId, outcome.kind === 'failed' ? held(CATALOG_JOB_PENDING) : outcome);
        continue;
      }
      if (state.status === 'running') {
        // The round ends: the job stays recorded and its changes are claimed again later.
        for (const e of job.entries) set(e.outboxId, held(control.stoppedBy ?? CATALOG_JOB_PENDING));
        continue;
      }
      again.push(...(await settle(job.jobId, job.entries, state, lastPass)));
    }
    return again;
  }

  /**
   * Applies a finished job's results: each entry that succeeded is recorded as synced; a failure is
   * switched (returned, to resend) or stored. A cancelled or vanished job applied nothing known: its
   * changes are retried. Returns the entries to send again with the other action.
   */
  async function settle(
    jobId: string,
    entries: JobEntry[],
    state: JobState,
    lastPass = true,
  ): Promise<JobEntry[]> {
    if (!(await closeJob(db, jobId))) return [];
    if (state.status === 'running') return [];
    if (state.status !== 'complete') {
      const error = new KlaviyoApiError('catalog', {
        status: 503,
        code: `catalog_job_${state.status}`,
        detail: `Catalog bulk job ${jobId} was ${state.status} before Klaviyo reported its entries.`,
      });
      for (const e of entries) set(e.outboxId, failed(error));
      return [];
    }
    const errorAt = new Map<number, EntryError>();
    for (const e of state.errors) if (e.index !== undefined) errorAt.set(e.index, e);
    const again: JobEntry[] = [];
    for (const [i, entry] of entries.entries()) {
      const error = errorAt.get(i);
      if (!error || (entry.action === 'delete' && missing(error))) {
        await recordApplied(db, entry, now());
        continue;
      }
      if (!lastPass && entry.action === 'create' && exists(error)) again.push({ ...entry, action: 'update' });
      else if (!lastPass && entry.action === 'update' && missing(error)) {
        again.push({ ...entry, action: 'create' });
        if (entry.type === 'item') recreateVariants(entry);
      } else {
        await recordFailure(db, entry, error, jobId, now());
        set(
          entry.outboxId,
          failed(
            new KlaviyoApiError(`bulk_${entry.action}_catalog_${entry.type}s`, {
              status: 400,
              code: error.code,
              detail: `${entry.type} ${entry.id}: ${error.detail}`,
              ...(error.pointer ? { pointer: error.pointer } : {}),
            }),
          ),
        );
      }
    }
    return again;
  }
}

/** The objects a change touches (for the busy check and the synced lookup). */
function objectsOf(record: CatalogRecord): { type: CatalogObjectType; id: string }[] {
  const c = record.payload;
  switch (c.op) {
    case 'category':
      return [{ type: 'category', id: c.category.id }];
    case 'category-delete':
      return [{ type: 'category', id: c.categoryId }];
    case 'product':
      return [
        { type: 'item', id: c.item.id },
        ...c.variants.map((v) => ({ type: 'variant' as const, id: v.id })),
      ];
    case 'product-delete':
      return [
        ...(c.itemId ? [{ type: 'item' as const, id: c.itemId }] : []),
        ...c.variantIds.map((id) => ({ type: 'variant' as const, id })),
      ];
  }
}
