import { type Context, type Handler, type HandlerTable, ok } from '../core/context.js';
import { EmulatorError, invalid, notFound } from '../core/errors.js';
import { listDocument, relationship, toResource } from '../core/jsonapi.js';
import type { Account } from '../store/account.js';
import type { JobRecord } from '../store/types.js';
import {
  CATALOG_WRITES,
  CATEGORY,
  type CatalogInput,
  type CatalogType,
  ITEM,
  VARIANT,
} from './catalog-model.js';
import { RENDER } from './catalog-render.js';

// Every bulk job operation's description: "Accepts up to 100 catalog items per request ... The maximum
// number of jobs in progress at one time is 500."
const MAX_BULK_RESOURCES = 100;
const MAX_JOBS_IN_PROGRESS = 500;
// get_bulk_*_jobs: "Returns a maximum of 100 jobs per request"; they take no page[size].
const JOBS_PER_PAGE = 100;
// The attributes of the Catalog*JobResponseObjectResource schemas (the account keeps more).
const JOB_ATTRIBUTES = [
  'status',
  'created_at',
  'total_count',
  'completed_count',
  'failed_count',
  'completed_at',
  'expires_at',
];

type Action = 'create' | 'update' | 'delete';

interface JobKind {
  /** e.g. catalog-item-bulk-create-job */
  jobType: string;
  resource: CatalogType;
  /** items, variants or categories: the body attribute and the job's relationship */
  key: string;
  action: Action;
}

// The operationIds name variants and categories jobs without "catalog_" on the GET side
// (get_bulk_create_variants_jobs), but with it on the POST side (bulk_create_catalog_variants).
const RESOURCES = [
  { resource: ITEM, key: 'items', post: 'catalog_items', get: 'catalog_items' },
  { resource: VARIANT, key: 'variants', post: 'catalog_variants', get: 'variants' },
  { resource: CATEGORY, key: 'categories', post: 'catalog_categories', get: 'categories' },
] as const;
const ACTIONS: Action[] = ['create', 'update', 'delete'];
const CATALOG_JOB = /^catalog-(item|variant|category)-bulk-(create|update|delete)-job$/;

function jobsInProgress(account: Account): number {
  let count = 0;
  for (const job of account.jobs.values()) {
    if (CATALOG_JOB.test(job.type) && ['queued', 'processing'].includes(job.attributes.status)) count++;
  }
  return count;
}

/** One entry of a job; returns the id of the resource it wrote. */
function apply(account: Account, kind: JobKind, entry: CatalogInput, pointer: string): string {
  const writes = CATALOG_WRITES[kind.resource];
  if (kind.action === 'create') return writes.create(account, entry, pointer).id;
  const id = entry.id ?? '';
  if (kind.action === 'update') return writes.update(account, id, entry, pointer).id;
  writes.remove(account, id);
  return id;
}

/** An APIJobErrorPayload: the spec requires `source`, so entries without a field point at the entry. */
function jobError(error: EmulatorError, pointer: string) {
  const { id, code, title, detail, source } = error.toObject();
  return { id, code, title, detail, source: { pointer: source?.pointer ?? pointer } };
}

/**
 * The external id an entry names: a create's `attributes.external_id`, or the last part of an update's
 * or delete's `{integration}:::{catalog}:::{external_id}` id.
 */
function externalIdOf(kind: JobKind, entry: CatalogInput): string | undefined {
  if (kind.action === 'create') {
    const externalId = entry.attributes?.external_id;
    return typeof externalId === 'string' ? externalId : undefined;
  }
  return entry.id?.split(':::').at(-1);
}

/** The entry's injected failure (control hook `catalog-faults`), thrown as Klaviyo's per-item error. */
function checkFault(account: Account, kind: JobKind, entry: CatalogInput, pointer: string): void {
  const externalId = externalIdOf(kind, entry);
  const detail = externalId === undefined ? undefined : account.catalogFaults.get(externalId);
  if (detail !== undefined) throw invalid(detail, { pointer });
}

/** Each entry succeeds or fails on its own; a failed entry is counted and reported, not fatal. */
function runEntries(account: Account, kind: JobKind, entries: CatalogInput[]) {
  return (job: JobRecord) => {
    const done: string[] = [];
    entries.forEach((entry, i) => {
      const pointer = `/data/attributes/${kind.key}/data/${i}`;
      try {
        checkFault(account, kind, entry, pointer);
        done.push(apply(account, kind, entry, pointer));
      } catch (error) {
        if (!(error instanceof EmulatorError)) throw error;
        job.errors.push(jobError(error, pointer));
      }
    });
    job.attributes.completed_count = done.length;
    job.attributes.failed_count = entries.length - done.length;
    job.relationships[kind.key] = done;
  };
}

function renderJob(ctx: Context, kind: JobKind, job: JobRecord) {
  const attributes: Record<string, unknown> = {};
  for (const name of JOB_ATTRIBUTES) attributes[name] = job.attributes[name];
  attributes.errors = job.errors;
  const written = (job.relationships[kind.key] ?? []).map((id) => ({ type: kind.resource, id }));
  return toResource(ctx, kind.jobType, job.id, attributes, {
    [kind.key]: relationship(ctx, kind.jobType, job.id, kind.key, written),
  });
}

const queueJob =
  (kind: JobKind): Handler =>
  (ctx) => {
    const entries: CatalogInput[] = ctx.body.data.attributes[kind.key].data;
    const pointer = `/data/attributes/${kind.key}/data`;
    if (entries.length === 0) throw invalid(`A bulk job needs at least one of its ${kind.key}.`, { pointer });
    if (entries.length > MAX_BULK_RESOURCES) {
      throw invalid(
        `A bulk job accepts up to ${MAX_BULK_RESOURCES} ${kind.key} per request; this one has ${entries.length}.`,
        { pointer },
      );
    }
    // A transient limit, so 429 with Retry-After: jobs finish and the same request then succeeds.
    if (jobsInProgress(ctx.account) >= MAX_JOBS_IN_PROGRESS) {
      throw new EmulatorError(
        429,
        'throttled',
        `The maximum number of catalog bulk jobs in progress at one time is ${MAX_JOBS_IN_PROGRESS}; retry when some have completed.`,
        { headers: { 'Retry-After': '1' } },
      );
    }
    const job = ctx.account.addJob(kind.jobType, entries.length, runEntries(ctx.account, kind, entries), {
      [kind.key]: [],
    });
    return { status: 202, body: { data: renderJob(ctx, kind, job) } };
  };

const listJobs =
  (kind: JobKind): Handler =>
  (ctx) => {
    const jobs = [...ctx.account.jobs.values()].filter((job) => job.type === kind.jobType);
    return ok(
      listDocument(ctx, jobs, {
        read: (job, field) => (field === 'status' ? job.attributes.status : undefined),
        render: (job) => renderJob(ctx, kind, job),
        fixedPageSize: JOBS_PER_PAGE,
      }),
    );
  };

/** A job, with the resources it wrote when `include=items|variants|categories` asks for them. */
const getJob =
  (kind: JobKind): Handler =>
  (ctx) => {
    const job = ctx.account.jobs.get(ctx.params.job_id ?? '');
    if (job?.type !== kind.jobType) throw notFound(`No ${kind.jobType} with id '${ctx.params.job_id}'.`);
    const data = renderJob(ctx, kind, job);
    if (!ctx.query.include.includes(kind.key)) return ok({ data });
    const records = ctx.account.collection(kind.resource);
    const included = (job.relationships[kind.key] ?? []).flatMap((id) => {
      const record = records.get(id);
      return record ? [RENDER[kind.resource](ctx, record)] : [];
    });
    return ok({ data, included });
  };

function jobHandlers(): HandlerTable {
  const table: HandlerTable = {};
  for (const { resource, key, post, get } of RESOURCES) {
    for (const action of ACTIONS) {
      const kind: JobKind = { jobType: `${resource}-bulk-${action}-job`, resource, key, action };
      table[`bulk_${action}_${post}`] = queueJob(kind);
      table[`get_bulk_${action}_${get}_jobs`] = listJobs(kind);
      table[`get_bulk_${action}_${get}_job`] = getJob(kind);
    }
  }
  return table;
}

/** The nine catalog bulk job operations and their list and get operations. */
export const catalogJobHandlers: HandlerTable = jobHandlers();
