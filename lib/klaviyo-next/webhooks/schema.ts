import type { Migration } from '../sql/migrate';

/**
 * The webhook inbox (versions 120-124 are the receiver's): every item Klaviyo delivered, kept by its
 * `external_id` (Klaviyo's idempotency key, docs/klaviyo-notes.md#webhook-delivery), so a redelivered
 * batch inserts nothing twice. A row is written in the request and worked afterwards, like the
 * outbox: `state` pending -> done (the host's sink took it), `ignored` (a topic the plugin does not
 * act on, kept for dedup), or `dead` after WEBHOOK_MAX_ATTEMPTS failures (kept, never dropped).
 * `identity` (the email or phone the change is about) orders each person's changes by `event_at`.
 * Times are epoch milliseconds in BIGINT columns on both backends.
 */
export const WEBHOOK_MIGRATIONS: Migration[] = [
  {
    version: 120,
    name: 'klaviyo_webhook_inbox',
    sql: `
      CREATE TABLE klaviyo_webhook_inbox (
        external_id TEXT PRIMARY KEY,
        webhook_id TEXT NOT NULL,
        topic TEXT NOT NULL,
        identity TEXT,
        event_at BIGINT NOT NULL,
        change TEXT,
        state TEXT NOT NULL,
        attempts INTEGER NOT NULL DEFAULT 0,
        available_at BIGINT NOT NULL,
        lease_owner TEXT,
        lease_until BIGINT,
        last_error TEXT,
        received_at BIGINT NOT NULL,
        processed_at BIGINT
      );
      CREATE INDEX klaviyo_webhook_inbox_due ON klaviyo_webhook_inbox (state, available_at);
      CREATE INDEX klaviyo_webhook_inbox_identity ON klaviyo_webhook_inbox (identity, event_at);`,
  },
];
