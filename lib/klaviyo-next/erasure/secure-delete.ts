import { raw } from 'sql-template-tag';
import type { SqlDatabase } from '../sql/types';

/**
 * Runs an erasure's transaction so that the database FILE keeps no copy of what it removed.
 *
 * SQLite, by default, leaves a deleted row's bytes where they were (a free cell, a freelist page)
 * until the space is reused, an UPDATE that moves a row leaves its old version the same way, and in
 * WAL mode the old page images stay in the main file until a checkpoint copies the new ones over
 * them. So, on SQLite: `secure_delete` is on for the transaction (SQLite then overwrites deleted
 * content with zeros; openSqlite turns it on for good, so no earlier update left a copy either), and
 * afterwards a TRUNCATE checkpoint writes the new pages into the file and empties the -wal file. A
 * database that ran without secure_delete may hold old copies in its free space: VACUUM it once. A checkpoint another process's open read blocks
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
  // openSqlite keeps it on for good; a host's own connection gets it for the erasure, then back.
  const [before] = await db.query<{ secure_delete: number }>(raw('PRAGMA secure_delete'));
  await db.query(raw('PRAGMA secure_delete = ON'));
  try {
    const result = await fn();
    const [row] = await db.query<{ busy: number }>(raw('PRAGMA wal_checkpoint(TRUNCATE)'));
    return { result, checkpointBusy: Number(row?.busy ?? 0) !== 0 };
  } finally {
    if (Number(before?.secure_delete ?? 0) === 0) await db.query(raw('PRAGMA secure_delete = OFF'));
  }
}
