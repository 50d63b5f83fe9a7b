/**
 * What the admin's Catalog page shows, shared by server and browser code: plain types only (no
 * `server-only`, no I/O).
 */

export type CatalogObjectKind = 'item' | 'variant' | 'category';

/** An object Klaviyo refused in a catalog bulk job, with Klaviyo's own words. */
export interface CatalogFailure {
  type: CatalogObjectKind;
  /** The store's id (Klaviyo's external_id). */
  id: string;
  action: 'create' | 'update' | 'delete';
  code: string;
  detail: string;
  /** Where in the job's body Klaviyo found the problem (`/data/attributes/items/data/3/...`). */
  pointer?: string;
  jobId?: string;
  /** The outbox message (the Delivery page lists it, dead, for replay). */
  outboxId?: number;
  failedAt: number;
}

export interface CatalogOverview {
  /** Objects the plugin knows Klaviyo holds, by kind. */
  synced: Record<CatalogObjectKind, number>;
  /** Catalog changes waiting in the outbox (pending or retrying). */
  waiting: number;
  /** Bulk jobs sent and not yet seen finished. */
  openJobs: number;
  failures: CatalogFailure[];
}
