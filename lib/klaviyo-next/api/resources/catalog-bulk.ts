import type { BodyOf, KlaviyoClient, ResponseOf } from '../client';

/** Attributes the spec gives a default may be left out; they are then sent as that default. */
type Defaults<T, K extends keyof T> = Omit<T, K> & Partial<Pick<T, K>>;
type Defaulted = 'integration_type' | 'catalog_type' | 'published';
export type NewCatalogItem = Defaults<BodyOf<'create_catalog_item'>['data']['attributes'], Defaulted> & {
  categoryIds?: string[];
};
export type NewCatalogVariant = Defaults<
  BodyOf<'create_catalog_variant'>['data']['attributes'],
  Defaulted | 'inventory_policy'
> & { itemId: string };
export type CatalogItemJob = ResponseOf<'get_bulk_create_catalog_items_job'>['data'];
export type CatalogVariantJob = ResponseOf<'get_bulk_create_variants_job'>['data'];

// "Currently, the only supported integration type is `$custom`, and the only supported catalog type
// is `$default`" (get_catalog_items description); `published` defaults to true (create schemas).
export const SCOPE = { integration_type: '$custom', catalog_type: '$default' } as const;
// "Accepts up to 100 catalog items per request" (bulk_create_catalog_items; the same for variants).
const BULK_CHUNK = 100;

export const categoryRefs = (ids: string[]) => ({
  data: ids.map((id) => ({ type: 'catalog-category' as const, id })),
});

export const itemResource = ({ categoryIds, ...attributes }: NewCatalogItem) => ({
  type: 'catalog-item' as const,
  attributes: { ...SCOPE, published: true, ...attributes },
  ...(categoryIds?.length ? { relationships: { categories: categoryRefs(categoryIds) } } : {}),
});

export const variantResource = ({ itemId, ...attributes }: NewCatalogVariant) => ({
  type: 'catalog-variant' as const,
  // inventory_policy 0: shown in feeds whatever the stock (the create schema's default).
  attributes: { ...SCOPE, published: true, inventory_policy: 0 as const, ...attributes },
  relationships: { item: { data: { type: 'catalog-item' as const, id: itemId } } },
});

/** Sends the entries 100 at a time, one job after another, and returns the queued jobs. */
async function inChunks<T, J>(entries: T[], send: (chunk: T[]) => Promise<J>): Promise<J[]> {
  const jobs: J[] = [];
  for (let i = 0; i < entries.length; i += BULK_CHUNK) {
    jobs.push(await send(entries.slice(i, i + BULK_CHUNK)));
  }
  return jobs;
}

export interface WaitOptions {
  /** Injectable so tests need not wait. */
  sleep?: (ms: number) => Promise<void>;
  intervalMs?: number;
  maxPolls?: number;
}

/** Catalog bulk create jobs for items and variants, and waiting for them to finish. */
export function catalogBulk(client: KlaviyoClient) {
  async function fetchJob(job: CatalogItemJob | CatalogVariantJob) {
    const path = { job_id: job.id };
    return job.type === 'catalog-item-bulk-create-job'
      ? (await client.call('get_bulk_create_catalog_items_job', { path })).data
      : (await client.call('get_bulk_create_variants_job', { path })).data;
  }

  return {
    /** Queues one bulk create job per 100 items and returns the queued jobs. */
    bulkCreateItems: (items: NewCatalogItem[]) =>
      inChunks(items, async (chunk) => {
        const attributes = { items: { data: chunk.map(itemResource) } };
        const data = { type: 'catalog-item-bulk-create-job' as const, attributes };
        return (await client.call('bulk_create_catalog_items', { body: { data } })).data;
      }),

    /** The same for variants: one job per 100, each variant naming its item. */
    bulkCreateVariants: (variants: NewCatalogVariant[]) =>
      inChunks(variants, async (chunk) => {
        const attributes = { variants: { data: chunk.map(variantResource) } };
        const data = { type: 'catalog-variant-bulk-create-job' as const, attributes };
        return (await client.call('bulk_create_catalog_variants', { body: { data } })).data;
      }),

    /**
     * Polls a bulk job until Klaviyo finishes it (`complete` or `cancelled`) and returns it with its
     * counts and per-entry errors: a 202 only means the job was queued.
     */
    async waitForJob<J extends CatalogItemJob | CatalogVariantJob>(job: J, options: WaitOptions = {}) {
      const sleep = options.sleep ?? ((ms: number) => new Promise<void>((r) => setTimeout(r, ms)));
      const { intervalMs = 1_000, maxPolls = 300 } = options;
      for (let poll = 1; ; poll++) {
        const current = (await fetchJob(job)) as J;
        const { status } = current.attributes;
        if (status === 'complete' || status === 'cancelled') return current;
        if (poll >= maxPolls)
          throw new Error(`Catalog job ${job.id} is still ${status} after ${poll} polls.`);
        await sleep(intervalMs);
      }
    },
  };
}
