import type { Migration } from '../sql/migrate';

/**
 * Catalog sync (140s).
 * - `klaviyo_catalog_synced`: what Klaviyo holds of each object this integration wrote, as far as the
 *   plugin knows: the hash of its content (NULL once deleted: a tombstone, so an older change replayed
 *   late cannot bring it back), the change that set it (its outbox id, which orders changes; `at` is the host's time) and, for a variant,
 *   its item. The deliverer decides create or update from it and sends nothing for an equal hash.
 * - `klaviyo_catalog_failures`: the latest failure of each object (Klaviyo's code, detail and pointer
 *   from the job's per-entry errors), cleared when the object syncs; the admin's Catalog page.
 * - `klaviyo_catalog_jobs`: bulk jobs sent and not yet seen finished, with which entry is which object,
 *   so a round cut short settles them when the objects' messages are claimed again.
 */
export const CATALOG_MIGRATIONS: Migration[] = [
  {
    version: 140,
    name: 'klaviyo_catalog_synced',
    sql: `
      CREATE TABLE klaviyo_catalog_synced (
        object_type TEXT NOT NULL,
        object_id TEXT NOT NULL,
        hash TEXT,
        parent_id TEXT,
        at BIGINT NOT NULL,
        outbox_id BIGINT NOT NULL,
        updated_at BIGINT NOT NULL,
        PRIMARY KEY (object_type, object_id)
      );
      CREATE INDEX klaviyo_catalog_synced_parent ON klaviyo_catalog_synced (parent_id);`,
  },
  {
    version: 141,
    name: 'klaviyo_catalog_failures',
    sql: `
      CREATE TABLE klaviyo_catalog_failures (
        object_type TEXT NOT NULL,
        object_id TEXT NOT NULL,
        action TEXT NOT NULL,
        code TEXT NOT NULL,
        detail TEXT NOT NULL,
        pointer TEXT,
        job_id TEXT,
        outbox_id BIGINT,
        failed_at BIGINT NOT NULL,
        PRIMARY KEY (object_type, object_id)
      );`,
  },
  {
    version: 142,
    name: 'klaviyo_catalog_jobs',
    sql: `
      CREATE TABLE klaviyo_catalog_jobs (
        job_id TEXT PRIMARY KEY,
        job_type TEXT NOT NULL,
        entries TEXT NOT NULL,
        created_at BIGINT NOT NULL
      );`,
  },
  {
    version: 143,
    name: 'klaviyo_catalog_stock_marks',
    // Variants whose stock changed and whose product's state is still to be sent (stock-marks.ts): one
    // row per variant however many sales touched it; `version` rises with each, so a flush removes
    // only the mark it read before reading the product.
    sql: `
      CREATE TABLE klaviyo_catalog_stock_marks (
        variant_id TEXT PRIMARY KEY,
        product_id TEXT NOT NULL,
        version BIGINT NOT NULL,
        marked_at BIGINT NOT NULL
      );
      CREATE INDEX klaviyo_catalog_stock_marks_marked ON klaviyo_catalog_stock_marks (marked_at);`,
  },
  {
    version: 144,
    name: 'klaviyo_catalog_flush_lease',
    // One flush of the marks at a time across every process (stock-marks.ts): flushes that overlap
    // could enqueue an older read after a newer one, and the newer enqueued change wins.
    sql: `
      CREATE TABLE klaviyo_catalog_flush_lease (id INTEGER PRIMARY KEY, owner TEXT, until_ms BIGINT NOT NULL);
      INSERT INTO klaviyo_catalog_flush_lease (id, owner, until_ms) VALUES (1, NULL, 0);`,
  },
];
