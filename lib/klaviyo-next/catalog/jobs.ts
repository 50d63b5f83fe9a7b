import 'server-only';
import type { KlaviyoClient } from '../api/client';
import { KlaviyoApiError } from '../api/errors';
import { SCOPE } from '../api/resources/catalog-bulk';
import { catalogId } from '../api/resources/catalogs';
import type { CatalogObjectType } from './change';

export type CatalogAction = 'create' | 'update' | 'delete';

/** One entry of a bulk job: which object, what it sets, and the change (outbox message) it comes from. */
export interface JobEntry {
  type: CatalogObjectType;
  /** The store's id (Klaviyo's external_id). */
  id: string;
  action: CatalogAction;
  /** The content hash it sets; null for a deletion. */
  hash: string | null;
  at: number;
  outboxId: number;
  /** A variant's item. */
  parentId?: string;
  attributes?: Record<string, unknown>;
  categoryIds?: string[];
}

/** A per-entry failure a finished job reports (APIJobErrorPayload), tied to its entry by the pointer. */
export interface EntryError {
  index: number | undefined;
  code: string;
  detail: string;
  pointer?: string;
}

export type JobState =
  | { status: 'running' }
  | { status: 'complete'; errors: EntryError[] }
  | { status: 'cancelled' }
  /** Klaviyo no longer knows the job (404): what it did is unknown. */
  | { status: 'gone' };

// "Accepts up to 100 catalog items per request" (bulk_create_catalog_items' description, and the same
// for every catalog bulk job operation).
export const JOB_MAX_ENTRIES = 100;

const RESOURCE = { item: 'catalog-item', variant: 'catalog-variant', category: 'catalog-category' } as const;
const KEY = { item: 'items', variant: 'variants', category: 'categories' } as const;
// The operationIds name variant and category jobs with "catalog_" on the POST side and without it on
// the GET side (bulk_create_catalog_variants, get_bulk_create_variants_job).
const POST_NAME = {
  item: 'catalog_items',
  variant: 'catalog_variants',
  category: 'catalog_categories',
} as const;
const GET_NAME = { item: 'catalog_items', variant: 'variants', category: 'categories' } as const;

export const jobType = (type: CatalogObjectType, action: CatalogAction) =>
  `${RESOURCE[type]}-bulk-${action}-job`;

/** The resource object an entry sends, in the shape its (type, action) job takes. */
function resourceOf(entry: JobEntry) {
  const type = RESOURCE[entry.type];
  const id = catalogId(entry.id);
  if (entry.action === 'delete') return { type, id };
  const relationships =
    entry.type === 'item'
      ? {
          categories: {
            data: (entry.categoryIds ?? []).map((c) => ({ type: RESOURCE.category, id: catalogId(c) })),
          },
        }
      : entry.type === 'variant' && entry.action === 'create'
        ? { item: { data: { type: RESOURCE.item, id: catalogId(entry.parentId ?? '') } } }
        : undefined;
  if (entry.action === 'create') {
    // inventory_policy 0: shown in feeds whatever the stock (the variant create schema's default).
    const extra = entry.type === 'variant' ? { inventory_policy: 0 } : {};
    const scope = entry.type === 'category' ? SCOPE : { ...SCOPE, ...extra };
    return {
      type,
      attributes: { ...scope, external_id: entry.id, ...entry.attributes },
      ...(relationships ? { relationships } : {}),
    };
  }
  // An update clears an image the store no longer has (the update schemas take null).
  const cleared = entry.type === 'category' ? {} : { image_full_url: null };
  return {
    type,
    id,
    attributes: { ...cleared, ...entry.attributes },
    ...(relationships ? { relationships } : {}),
  };
}

/** Queues one bulk job for up to 100 entries of one (type, action); returns Klaviyo's job id. */
export async function sendJob(
  client: KlaviyoClient,
  type: CatalogObjectType,
  action: CatalogAction,
  entries: readonly JobEntry[],
  signal?: AbortSignal,
): Promise<string> {
  const body = {
    data: { type: jobType(type, action), attributes: { [KEY[type]]: { data: entries.map(resourceOf) } } },
  };
  // One table for nine operations whose bodies differ only in these names; the emulator and
  // Klaviyo check each body against the operation's schema.
  const operation = `bulk_${action}_${POST_NAME[type]}` as 'bulk_create_catalog_items';
  const answer = await client.call(operation, { body: body as never, ...(signal ? { signal } : {}) });
  return answer.data.id;
}

interface JobDocument {
  data: {
    attributes: {
      status: string;
      errors?: { code: string; detail: string; source?: { pointer?: string } }[] | null;
    };
  };
}

const ENTRY_INDEX = /^\/data\/attributes\/[a-z]+\/data\/(\d+)/;

/** The entry a pointer into a job's body names (`/data/attributes/items/data/3/...` -> 3). */
export function entryIndex(pointer: string | undefined): number | undefined {
  const index = pointer ? ENTRY_INDEX.exec(pointer)?.[1] : undefined;
  return index === undefined ? undefined : Number(index);
}

/** Reads a job once (get_bulk_<action>_<type>s_job). */
export async function readJob(
  client: KlaviyoClient,
  type: CatalogObjectType,
  action: CatalogAction,
  jobId: string,
  signal?: AbortSignal,
): Promise<JobState> {
  const operation = `get_bulk_${action}_${GET_NAME[type]}_job` as 'get_bulk_create_catalog_items_job';
  let document: JobDocument;
  try {
    document = (await client.call(operation, {
      path: { job_id: jobId },
      ...(signal ? { signal } : {}),
    })) as unknown as JobDocument;
  } catch (error) {
    if (error instanceof KlaviyoApiError && error.status === 404) return { status: 'gone' };
    throw error;
  }
  const { status, errors } = document.data.attributes;
  if (status === 'cancelled') return { status: 'cancelled' };
  if (status !== 'complete') return { status: 'running' };
  return {
    status: 'complete',
    errors: (errors ?? []).map((e) => {
      const pointer = e.source?.pointer;
      return {
        index: entryIndex(pointer),
        code: e.code,
        detail: e.detail,
        ...(pointer ? { pointer } : {}),
      };
    }),
  };
}

/** Polls until the job is no longer running, at most until `signal` aborts (then `running`). */
export async function waitForJob(
  client: KlaviyoClient,
  type: CatalogObjectType,
  action: CatalogAction,
  jobId: string,
  signal: AbortSignal,
): Promise<JobState> {
  // Jobs of up to 100 entries usually finish within seconds; the read is 75/s 750/m for create and
  // update jobs (get_bulk_create_catalog_items_job's x-klaviyo-ratelimit), so polling every 250 ms
  // at first, then at most once a second, stays well inside it.
  for (let waitMs = 250; ; waitMs = Math.min(1_000, waitMs * 2)) {
    const state = await readJob(client, type, action, jobId, signal);
    if (state.status !== 'running' || signal.aborted) return state;
    await new Promise<void>((resolve) => {
      const timer = setTimeout(done, waitMs);
      function done() {
        clearTimeout(timer);
        signal.removeEventListener('abort', done);
        resolve();
      }
      signal.addEventListener('abort', done, { once: true });
    });
    if (signal.aborted) return { status: 'running' };
  }
}
