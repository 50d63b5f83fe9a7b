import 'server-only';
import sql, { join } from 'sql-template-tag';
import type { RateLimit, RateLimiter } from '../http/rate-limit';
import { dedupKeyHash, type OutboxStore } from '../outbox/store';
import type { OutboxMessage } from '../outbox/types';
import { coalesce } from '../sql/coalesce';
import type { SqlDatabase, SqlExecutor } from '../sql/types';
import type { RelayResult } from './http';

/**
 * A token a request pays to store its messages, taken from `key`'s bucket in the transaction of the
 * enqueue, so a refusal stores nothing and a stored message has paid. `onlyIfNew`: only when one of
 * the messages is new to the outbox (a repeat of something stored costs nothing: view-limit.ts).
 */
export interface Toll {
  key: string;
  limit: RateLimit;
  onlyIfNew?: boolean;
  /** The answer for a request this toll refuses. */
  refuse: (retryAfterSeconds: number) => RelayResult;
}

export type EnqueueResult = { enqueued: number } | { refused: RelayResult };

/**
 * The relay's writes to the outbox, shared by the requests that arrive together (sql/coalesce.ts:
 * group commit). A browser reports every page view, so the track route is the storefront's busiest:
 * one transaction of a few statements for many requests' events and their rate-limit tokens, instead
 * of several round trips each, is what lets it keep up with a route that stores nothing. Each request
 * still waits for its own commit before its 202, so nothing is acknowledged that is not stored.
 */
export interface RelayWrites {
  /** Enqueues one request's messages; answers how many were new. */
  enqueue(messages: readonly OutboxMessage[]): Promise<number>;
  /** Enqueues them if every toll is paid, in order; answers how many were new, or the first refusal. */
  enqueuePaying(messages: readonly OutboxMessage[], tolls: readonly Toll[]): Promise<EnqueueResult>;
}

type Request = { messages: readonly OutboxMessage[]; tolls: readonly Toll[] };

/** Of `keys`, the hashes the outbox has accepted before (they outlive the delivered rows: retention.ts). */
async function seenHashes(tx: SqlExecutor, keys: readonly string[]): Promise<Set<string>> {
  if (keys.length === 0) return new Set();
  const rows = await tx.query<{ key_hash: string }>(
    sql`SELECT key_hash FROM klaviyo_outbox_keys WHERE key_hash IN (${join([...new Set(keys.map(dedupKeyHash))])})`,
  );
  return new Set(rows.map((row) => row.key_hash));
}

/**
 * Takes the requests' tolls, the first of each request's before its second, one statement per limit
 * for the lot; a request refused by one pays no later toll. Answers the refused requests by index.
 */
async function takeTolls(tx: SqlExecutor, limiter: RateLimiter, requests: readonly Request[]) {
  const asksNew = requests.flatMap((r, i) => (r.tolls.some((t) => t.onlyIfNew) ? [i] : []));
  const seen = await seenHashes(
    tx,
    asksNew.flatMap((i) => requests[i]?.messages.map((m) => m.key) ?? []),
  );
  const bringsNew = (r: Request) => r.messages.some((m) => !seen.has(dedupKeyHash(m.key)));
  const refused = new Map<number, RelayResult>();
  const depth = Math.max(0, ...requests.map((r) => r.tolls.length));
  for (let position = 0; position < depth; position++) {
    const byLimit = new Map<RateLimit, { index: number; toll: Toll }[]>();
    requests.forEach((r, index) => {
      const toll = r.tolls[position];
      if (!toll || refused.has(index) || (toll.onlyIfNew && !bringsNew(r))) return;
      byLimit.set(toll.limit, [...(byLimit.get(toll.limit) ?? []), { index, toll }]);
    });
    for (const [limit, payers] of byLimit) {
      const decisions = await limiter.within(tx).takeEach(
        payers.map((p) => p.toll.key),
        limit,
      );
      decisions.forEach((decision, k) => {
        const payer = payers[k];
        if (payer && !decision.ok) refused.set(payer.index, payer.toll.refuse(decision.retryAfterSeconds));
      });
    }
  }
  return refused;
}

export function relayWrites(
  db: SqlDatabase,
  outbox: OutboxStore,
  limiter: RateLimiter,
  now: () => number,
): RelayWrites {
  const enqueue = coalesce((requests: Request[]) =>
    db.transaction(async (tx): Promise<EnqueueResult[]> => {
      const refused = await takeTolls(tx, limiter, requests);
      const admitted = requests.flatMap((r, i) => (refused.has(i) ? [] : r.messages));
      // In arrival order, so of two requests with the same event the first is the one that stored it.
      const stored = await outbox.enqueueEach(tx, admitted, now());
      let next = 0;
      return requests.map((r, i) => {
        const refusal = refused.get(i);
        if (refusal) return { refused: refusal };
        const mine = stored.slice(next, next + r.messages.length);
        next += r.messages.length;
        return { enqueued: mine.filter(Boolean).length };
      });
    }),
  );
  return {
    enqueue: async (messages) => {
      const result = await enqueue({ messages, tolls: [] });
      return 'enqueued' in result ? result.enqueued : 0;
    },
    enqueuePaying: (messages, tolls) => enqueue({ messages, tolls }),
  };
}
