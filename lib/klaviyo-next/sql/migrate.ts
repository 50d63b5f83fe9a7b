import 'server-only';
import sql, { raw } from 'sql-template-tag';
import type { SqlDatabase } from './types';

/** One schema change; `sql` may differ per dialect. Never edit a released migration: add one. */
export interface Migration {
  version: number;
  name: string;
  sql: string | { sqlite: string; postgres: string };
}

/**
 * Applies the migrations the database has not seen, in order, each in its own transaction, so the
 * schema is created on first start and upgraded on later ones. Safe when several processes start at
 * once (Postgres takes an advisory lock; SQLite's IMMEDIATE transaction serialises writers).
 */
export async function migrate(db: SqlDatabase, migrations: readonly Migration[]): Promise<number> {
  let applied = 0;
  for (const migration of [...migrations].sort((a, b) => a.version - b.version)) {
    const done = await db.transaction(async (tx) => {
      if (db.dialect === 'postgres') {
        // A migration may rebuild a large table, or wait here while another process migrates: the
        // statement timeout meant for requests does not apply to it.
        await tx.query(sql`SET LOCAL statement_timeout = 0`);
        await tx.query(sql`SELECT pg_advisory_xact_lock(727274)`);
      }
      // Created under the lock: processes starting together on a fresh database would race otherwise.
      await tx.query(
        sql`CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at BIGINT NOT NULL)`,
      );
      const seen = await tx.query(sql`SELECT 1 FROM schema_migrations WHERE version = ${migration.version}`);
      if (seen.length > 0) return false;
      const text = typeof migration.sql === 'string' ? migration.sql : migration.sql[db.dialect];
      // A migration is the plugin's own SQL text, with no values in it.
      for (const statement of text
        .split(/;\s*$/m)
        .map((s) => s.trim())
        .filter(Boolean))
        await tx.query(raw(statement));
      await tx.query(
        sql`INSERT INTO schema_migrations (version, name, applied_at) VALUES (${migration.version}, ${migration.name}, ${Date.now()})`,
      );
      return true;
    });
    if (done) applied++;
  }
  return applied;
}
