import type { Migration } from '../sql/migrate';

/**
 * The backfill's checkpoints (150s): one row per run (`since`, ISO 8601) and stream (customers,
 * orders, consent). `position` is the source's cursor of the next page, `done` the records behind it,
 * `revision` a counter every page's transaction moves on from the value it read, so two processes
 * backfilling at once never both take the same page.
 */
export const BACKFILL_MIGRATIONS: Migration[] = [
  {
    version: 150,
    name: 'klaviyo_backfill_checkpoints',
    sql: `
      CREATE TABLE klaviyo_backfill_checkpoints (
        since TEXT NOT NULL,
        stream TEXT NOT NULL,
        position TEXT,
        done BIGINT NOT NULL DEFAULT 0,
        finished SMALLINT NOT NULL DEFAULT 0,
        revision INTEGER NOT NULL DEFAULT 0,
        updated_at BIGINT NOT NULL,
        PRIMARY KEY (since, stream)
      );`,
  },
];
