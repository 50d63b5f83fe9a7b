import type { Migration } from '../sql/migrate';

/**
 * Erasure (130s). `klaviyo_erasures` is the audit record of each erasure the plugin carried out:
 * a random id (no hash of the person: a hash of an email can be matched by anyone who guesses the
 * email), when, who asked (the host's words: `merchant`, `shopper`), and what was removed, counted.
 * It holds no email, phone or name.
 */
export const ERASURE_MIGRATIONS: Migration[] = [
  {
    version: 130,
    name: 'klaviyo_erasures',
    sql: `
      CREATE TABLE klaviyo_erasures (
        id TEXT PRIMARY KEY,
        requested_at BIGINT NOT NULL,
        requested_by TEXT NOT NULL,
        deletion_requests INTEGER NOT NULL,
        dropped_waiting INTEGER NOT NULL,
        removed_delivered INTEGER NOT NULL,
        removed_dead INTEGER NOT NULL,
        removed_fences INTEGER NOT NULL,
        removed_cache_entries INTEGER NOT NULL
      );`,
  },
  {
    version: 131,
    name: 'klaviyo_erasures_inbox',
    // Erasure redacts the webhook inbox's items about the person too; counted here.
    sql: 'ALTER TABLE klaviyo_erasures ADD COLUMN redacted_inbox_items INTEGER NOT NULL DEFAULT 0',
  },
];
