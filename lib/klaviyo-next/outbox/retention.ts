import 'server-only';
import type { OutboxStore } from './store';

const DAY_MS = 86_400_000;

/**
 * How long a dedup key's hash outlives its message's retention. The facts enqueued again in practice
 * are retried requests, redelivered webhooks, replays and a host's re-import: hours to months, which a
 * year covers. After it, an event enqueued again is still dropped by Klaviyo (bulk_create_events:
 * "If the unique_id is repeated for the same profile and metric, only the first processed event will
 * be recorded"; no time limit is given); a profile write or consent change of that age enqueued again
 * would be sent. Without an end the hashes would grow with every message ever accepted.
 */
export const KEY_HORIZON_DAYS = 365;

export interface PruneOptions {
  /** Delivered messages older than this many days go (OUTBOX_RETENTION_DAYS). */
  retentionDays: number;
  now: () => number;
  /** Rows per transaction: small enough that no statement holds a big table for long. */
  batch?: number;
  /** At most this many batches a call (a worker comes back soon when there is more). */
  maxBatches?: number;
  /** And no batch is started after this long. */
  budgetMs?: number;
}

export interface PruneResult {
  /** Delivered messages deleted. */
  pruned: number;
  /** Key hashes forgotten (older than the retention plus KEY_HORIZON_DAYS). */
  keysExpired: number;
  /** Whether it stopped with more to prune (batch or time budget spent). */
  more: boolean;
}

/** One retention pass: delivered messages past the retention, then key hashes past the horizon. */
export async function pruneOutbox(store: OutboxStore, options: PruneOptions): Promise<PruneResult> {
  const { retentionDays, now, batch = 1000, maxBatches = 10, budgetMs = 5_000 } = options;
  const started = now();
  const olderThan = started - retentionDays * DAY_MS;
  let pruned = 0;
  let more = false;
  for (let i = 0; ; i++) {
    if (i === maxBatches || now() - started > budgetMs) {
      more = true;
      break;
    }
    const n = await store.prune(olderThan, batch);
    pruned += n;
    if (n < batch) break;
  }
  const keysExpired = await store.expireKeys(olderThan - KEY_HORIZON_DAYS * DAY_MS, batch);
  return { pruned, keysExpired, more: more || keysExpired === batch };
}
