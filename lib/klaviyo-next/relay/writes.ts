import 'server-only';
import sql, { join } from 'sql-template-tag';
import type { OutboxStore } from '../outbox/store';
import { dedupKeyHash } from '../outbox/store';
import type { OutboxMessage } from '../outbox/types';
import { coalesce } from '../sql/coalesce';
import type { SqlDatabase } from '../sql/types';

/**
 * The relay's own writes and reads of the outbox, each shared by the requests that arrive together
 * (sql/coalesce.ts: group commit). A browser reports every page view, so the track route is the
 * storefront's busiest: one transaction for many requests' events, instead of one each, is what lets
 * it keep up with a route that stores nothing. Each request still waits for its own commit before
 * its 202, so nothing is acknowledged that is not stored.
 */
export interface RelayWrites {
  /** Enqueues one request's messages in a transaction shared with concurrent requests; answers how many were new. */
  enqueue(messages: readonly OutboxMessage[]): Promise<number>;
  /** Whether the outbox has accepted `key` before (its hash outlives the delivered row: retention.ts). */
  seen(key: string): Promise<boolean>;
}

export function relayWrites(db: SqlDatabase, outbox: OutboxStore, now: () => number): RelayWrites {
  const enqueue = coalesce((requests: (readonly OutboxMessage[])[]) =>
    db.transaction(async (tx) => {
      const at = now();
      const added: number[] = [];
      // In arrival order, so of two requests with the same event the first is the one that stored it.
      for (const messages of requests) added.push(await outbox.enqueue(tx, messages, at));
      return added;
    }),
  );
  const seen = coalesce(async (keys: string[]) => {
    const hashes = keys.map(dedupKeyHash);
    const rows = await db.query<{ key_hash: string }>(
      sql`SELECT key_hash FROM klaviyo_outbox_keys WHERE key_hash IN (${join([...new Set(hashes)])})`,
    );
    const found = new Set(rows.map((row) => row.key_hash));
    return hashes.map((hash) => found.has(hash));
  });
  return { enqueue, seen };
}
