import { raw } from 'sql-template-tag';
import type { SqlDatabase } from '../sql/types';

/**
 * Runs an erasure's transaction so that the database FILE keeps no copy of what it removed.
 *
 * SQLite, by default, leaves a deleted row's bytes where they were (a free cell, a freelist page)
 * until the space is reused, and in WAL mode the old page images stay in the main file until a
 * checkpoint copies the new ones over them. So, on SQLite: `secure_delete` is on for the transaction
 * (SQLite then overwrites deleted content with zeros), and afterwards a TRUNCATE checkpoint writes the
 * new pages into the file and empties the -wal file. A checkpoint another process's open read blocks
 * is reported (`checkpointBusy`), and the next checkpoint finishes it.
 *
 * Postgres keeps dead row versions until VACUUM, and in its WAL and backups for as long as those are
 * kept: that is the operator's retention, not something a transaction can undo (see the README).
 */
export async function withSecureDelete<T>(
  db: SqlDatabase,
  fn: () => Promise<T>,
): Promise<{ result: T; checkpointBusy: boolean }> {
  if (db.dialect !== 'sqlite') return { result: await fn(), checkpointBusy: false };
  await db.query(raw('PRAGMA secure_delete = ON'));
  try {
    const result = await fn();
    const [row] = await db.query<{ busy: number }>(raw('PRAGMA wal_checkpoint(TRUNCATE)'));
    return { result, checkpointBusy: Number(row?.busy ?? 0) !== 0 };
  } finally {
    await db.query(raw('PRAGMA secure_delete = OFF'));
  }
}
