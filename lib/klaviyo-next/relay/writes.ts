import 'server-only';
import sql, { join } from 'sql-template-tag';
import type { RateDecision, RateLimit, RateLimiter } from '../http/rate-limit';
import { dedupKeyHash, type OutboxStore } from '../outbox/store';
import type { OutboxMessage } from '../outbox/types';
import { coalesce } from '../sql/coalesce';
import type { SqlDatabase, SqlExecutor } from '../sql/types';

/**
 * A token the messages cost when any of them is new to the outbox, taken from `key`'s bucket in the
 * same transaction as the enqueue: a repeat of something stored costs nothing, and a refusal stores
 * nothing (relay/view-limit.ts).
 */
export interface Toll {
  key: string;
  limit: RateLimit;
}

export type EnqueueResult = { enqueued: number } | { refused: Extract<RateDecision, { ok: false }> };

/**
 * The relay's writes to the outbox, shared by the requests that arrive together (sql/coalesce.ts:
 * group commit). A browser reports every page view, so the track route is the storefront's busiest:
 * one transaction of a few statements for many requests' events, instead of several round trips
 * each, is what lets it keep up with a route that stores nothing. Each request still waits for its
 * own commit before its 202, so nothing is acknowledged that is not stored.
 */
export interface RelayWrites {
  /** Enqueues one request's messages; answers how many were new. */
  enqueue(messages: readonly OutboxMessage[]): Promise<number>;
  /** Enqueues them if `toll` can be paid (or nothing is new); answers how many were new, or the refusal. */
  enqueuePaying(messages: readonly OutboxMessage[], toll: Toll): Promise<EnqueueResult>;
}

type Request = { messages: readonly OutboxMessage[]; toll?: Toll | undefined };

/** Of `keys`, the hashes the outbox has accepted before (they outlive the delivered rows: retention.ts). */
async function seenHashes(tx: SqlExecutor, keys: readonly string[]): Promise<Set<string>> {
  if (keys.length === 0) return new Set();
  const rows = await tx.query<{ key_hash: string }>(
    sql`SELECT key_hash FROM klaviyo_outbox_keys WHERE key_hash IN (${join([...new Set(keys.map(dedupKeyHash))])})`,
  );
  return new Set(rows.map((row) => row.key_hash));
}

/** Takes the tolls of the requests that bring something new; answers the refused ones by index. */
async function takeTolls(tx: SqlExecutor, limiter: RateLimiter, requests: readonly Request[]) {
  const tolled = requests.flatMap((r, i) => (r.toll ? [i] : []));
  const seen = await seenHashes(
    tx,
    tolled.flatMap((i) => requests[i]?.messages.map((m) => m.key) ?? []),
  );
  const paying = tolled.filter((i) => requests[i]?.messages.some((m) => !seen.has(dedupKeyHash(m.key))));
  const byLimit = new Map<RateLimit, number[]>();
  for (const i of paying) {
    const limit = requests[i]?.toll?.limit as RateLimit;
    byLimit.set(limit, [...(byLimit.get(limit) ?? []), i]);
  }
  const refused = new Map<number, Extract<RateDecision, { ok: false }>>();
  for (const [limit, indexes] of byLimit) {
    const keys = indexes.map((i) => requests[i]?.toll?.key as string);
    const decisions = await limiter.within(tx).takeEach(keys, limit);
    decisions.forEach((decision, k) => {
      if (!decision.ok) refused.set(indexes[k] as number, decision);
    });
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
        const decision = refused.get(i);
        if (decision) return { refused: decision };
        const mine = stored.slice(next, next + r.messages.length);
        next += r.messages.length;
        return { enqueued: mine.filter(Boolean).length };
      });
    }),
  );
  return {
    enqueue: async (messages) => {
      const result = await enqueue({ messages });
      return 'enqueued' in result ? result.enqueued : 0;
    },
    enqueuePaying: (messages, toll) => enqueue({ messages, toll }),
  };
}
