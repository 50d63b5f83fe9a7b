import { existsSync, readFileSync } from 'node:fs';
import sql, { raw } from 'sql-template-tag';
import type { SqlDatabase } from '../../lib/klaviyo-next/sql/types.js';

/** Every table of the database the test opened (its own Postgres schema, or the SQLite file). */
async function tablesOf(db: SqlDatabase): Promise<string[]> {
  const rows =
    db.dialect === 'postgres'
      ? await db.query<{ name: string }>(
          sql`SELECT table_name AS name FROM information_schema.tables WHERE table_schema = current_schema() AND table_type = 'BASE TABLE'`,
        )
      : await db.query<{ name: string }>(
          sql`SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'`,
        );
  return rows.map((r) => r.name).sort();
}

/**
 * Where any of `needles` occurs in the database: `table.column` for every value of every column of
 * every row that contains one (case-insensitive; numbers and JSON read as text). Reads whole tables:
 * for test databases.
 */
export async function findInTables(
  db: SqlDatabase,
  needles: readonly string[],
  ignoring: readonly string[] = [],
): Promise<string[]> {
  const wanted = needles.map((n) => n.toLowerCase());
  const others = ignoring.map((n) => n.toLowerCase());
  const found: string[] = [];
  for (const table of await tablesOf(db)) {
    const rows = await db.query<Record<string, unknown>>(sql`SELECT * FROM ${raw(`"${table}"`)}`);
    for (const row of rows)
      for (const [column, value] of Object.entries(row)) {
        if (value == null) continue;
        let text = (typeof value === 'string' ? value : JSON.stringify(value)).toLowerCase();
        // Another person's identifier that contains hers as text (x + her email) is not hers.
        for (const o of others) text = text.replaceAll(o, ' ');
        for (const n of wanted) if (text.includes(n)) found.push(`${table}.${column} has ${n}`);
      }
  }
  return found;
}

/** The tables that exist, for a test to show it looked at them (and at the new ones others add). */
export const tableNames = tablesOf;

/**
 * Which of `needles` occur in the bytes of a SQLite database file or its -wal file: what a copy of
 * the file, a backup or a disk image would give away, deleted rows included.
 */
export function findInSqliteFiles(
  path: string,
  needles: readonly string[],
  ignoring: readonly string[] = [],
): string[] {
  const found: string[] = [];
  for (const file of [path, `${path}-wal`]) {
    if (!existsSync(file)) continue;
    const bytes = readFileSync(file);
    for (const n of needles) {
      for (const form of new Set([n, n.toLowerCase(), n.toUpperCase()])) {
        const needle = Buffer.from(form, 'utf8');
        for (let at = bytes.indexOf(needle); at >= 0; at = bytes.indexOf(needle, at + 1)) {
          // Part of another person's identifier that contains hers (x + her email): not hers.
          const inOther = ignoring.some((o) => {
            const offset = o.indexOf(form);
            return (
              offset >= 0 &&
              bytes.subarray(at - offset, at - offset + o.length).equals(Buffer.from(o, 'utf8'))
            );
          });
          if (!inOther) {
            found.push(`${file} has ${form} at ${at}`);
            break;
          }
        }
      }
    }
  }
  return found;
}
