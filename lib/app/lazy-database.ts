import 'server-only';
import type { Dialect, SqlDatabase } from '../klaviyo-next/sql/types';

/**
 * A database that opens (and checks its schema: database.ts) on its first statement, not when the
 * module loads: Next.js imports route modules at build time, where nothing must connect. A failed
 * opening is retried by the next statement, so a database that was down, or not yet migrated, at the
 * first request serves the next one once it is up.
 */
export function lazyDatabase(dialect: Dialect, open: () => Promise<SqlDatabase>): SqlDatabase {
  let opening: Promise<SqlDatabase> | undefined;
  const ready = () => {
    opening ??= open().catch((error: unknown) => {
      opening = undefined;
      throw error;
    });
    return opening;
  };
  return {
    dialect,
    query: async (query) => (await ready()).query(query),
    transaction: async (fn) => (await ready()).transaction(fn),
    close: async () => {
      if (opening) await (await opening.catch(() => undefined))?.close();
      opening = undefined;
    },
  };
}
