import sql, { join, raw } from 'sql-template-tag';
import type { SqlExecutor } from '../sql/types';

/** What a delivered deletion request keeps: its erasure id, never the identifier it named. */
export const redactedDeletion = (erasureId: string) => JSON.stringify({ erasureId, identifier: 'redacted' });

/**
 * Called by OutboxStore.markDelivered in its transaction: a `profile-deletion` message just delivered
 * names the person it deletes (its payload and order key); once Klaviyo has accepted it, the outbox
 * has no reason to keep that, so both go. Nothing else of hers is left to order behind it.
 */
export async function redactDeliveredDeletions(tx: SqlExecutor, ids: readonly number[]): Promise<void> {
  if (ids.length === 0) return;
  const rows = await tx.query<{ id: number; payload: string }>(
    sql`SELECT id, payload FROM klaviyo_outbox WHERE kind = 'profile-deletion' AND state = 'delivered' AND id IN (${join(ids)})`,
  );
  if (rows.length === 0) return;
  // SQLite keeps a rewritten row's old bytes in the page's free space unless secure_delete is on
  // (secure-delete.ts; openSqlite keeps it on): on a host's own connection it is switched on for
  // these statements (allowed inside a transaction), then back.
  const [before] =
    tx.dialect === 'sqlite' ? await tx.query<{ secure_delete: number }>(raw('PRAGMA secure_delete')) : [];
  const toggle = before !== undefined && Number(before.secure_delete) === 0;
  if (toggle) await tx.query(raw('PRAGMA secure_delete = ON'));
  for (const row of rows) {
    const { erasureId } = JSON.parse(row.payload) as { erasureId: string };
    await tx.query(
      sql`UPDATE klaviyo_outbox SET payload = ${redactedDeletion(erasureId)}, order_key = NULL WHERE id = ${row.id}`,
    );
  }
  if (toggle) await tx.query(raw('PRAGMA secure_delete = OFF'));
}
