import 'server-only';
import { createHash } from 'node:crypto';
import sql, { join, raw } from 'sql-template-tag';
import { coalesce } from '../sql/coalesce';
import type { SqlExecutor } from '../sql/types';

// Shared by the relay routes, the store's account actions and the admin sign-in; it lives apart from
// all three so none reaches into another's folder for it. Its table is created with the outbox's
// schema (lib/klaviyo-next/outbox/schema.ts), which every app database runs.

/** A token bucket: `capacity` requests at once, refilled at `perMinute / 60` per second. */
export interface RateLimit {
  capacity: number;
  perMinute: number;
}

/**
 * A throttle on failures (sign-in guesses): `free` attempts in a row, then each further one waits
 * `baseMs`, doubling, up to `maxMs`. A key left alone for `forgetMs` starts again from zero, and a
 * success clears it.
 */
export interface Backoff {
  free: number;
  baseMs: number;
  maxMs: number;
  forgetMs: number;
}

export type RateDecision = { ok: true } | { ok: false; retryAfterSeconds: number };

/** What the route handlers and server actions take a token from; `RateLimiter` is the app's. */
export interface Limiter {
  take(key: string, limit: RateLimit): Promise<RateDecision>;
}

const retryAfter = (waitMs: number): RateDecision => ({
  ok: false,
  retryAfterSeconds: Math.max(1, Math.ceil(waitMs / 1000)),
});

/**
 * Keys are hashed: the table then holds no addresses or emails, and a client cannot make a key
 * longer than 64 characters whatever it sends.
 */
const hashed = (key: string) => createHash('sha256').update(key).digest('base64url');

// Rows whose time has passed mean the same as no row; drop them now and then so the table stays small.
const PRUNE_EVERY = 500;
// Per process, not per limiter: server actions make a limiter per request.
let decisions = 0;

/**
 * Rate limits and throttles kept in the app's database (`klaviyo_rate_limits`, SQLite or Postgres), so
 * every app instance and worker on one database counts against the same buckets. Each decision is
 * one atomic upsert: two instances taking the last token at once cannot both get it.
 *
 * Buckets use the generic cell rate algorithm: a key stores the time `tat` at which it is fully
 * refilled, less one token's interval per request, which is a token bucket in one column.
 */
export class RateLimiter implements Limiter {
  constructor(
    private readonly db: SqlExecutor,
    private readonly now: () => number = Date.now,
  ) {}

  /** The same buckets and clock, on `executor` (a transaction's, so a take commits or rolls back with it). */
  within(executor: SqlExecutor): RateLimiter {
    return new RateLimiter(executor, this.now);
  }

  /** Takes one token from `key`'s bucket, or says how long until one is back. */
  async take(key: string, limit: RateLimit): Promise<RateDecision> {
    return (await this.takeEach([key], limit))[0] as RateDecision;
  }

  /**
   * Takes one token per entry of `keys` (a key may repeat: each entry takes its own), every bucket
   * under the same `limit`: one upsert for the lot, so concurrent requests coalesced by the relay
   * (sql/coalesce.ts) cost one round trip between them. Decisions come back in the order of `keys`.
   */
  async takeEach(keys: readonly string[], limit: RateLimit): Promise<RateDecision[]> {
    const now = this.now();
    const interval = Math.max(1, Math.round(60_000 / limit.perMinute));
    // A request is allowed while the bucket is not yet `capacity` intervals in debt.
    const latest = now + (Math.max(1, limit.capacity) - 1) * interval;
    await this.pruneNow(now);
    const ids = keys.map(hashed);
    const granted = new Map<string, number>();
    // One statement may touch a row once, so a key named twice goes in the next statement.
    for (let rest = [...ids]; rest.length > 0; ) {
      const round = [...new Set(rest)];
      for (const id of round) rest.splice(rest.indexOf(id), 1);
      const taken = await this.db.query<{ key: string }>(sql`INSERT INTO klaviyo_rate_limits (key, tat, hits)
        VALUES ${join(round.map((id) => sql`(${id}, ${now + interval}, 0)`))}
        ON CONFLICT (key) DO UPDATE SET
          tat = (CASE WHEN klaviyo_rate_limits.tat > ${now} THEN klaviyo_rate_limits.tat ELSE CAST(${now} AS BIGINT) END) + CAST(${interval} AS BIGINT)
        WHERE klaviyo_rate_limits.tat <= ${latest}
        RETURNING key`);
      for (const row of taken) granted.set(row.key, (granted.get(row.key) ?? 0) + 1);
    }
    const decisions = ids.map((id) => {
      const left = granted.get(id) ?? 0;
      granted.set(id, left - 1);
      return left > 0;
    });
    const refused = [...new Set(ids.filter((_, i) => !decisions[i]))];
    const waits = refused.length > 0 ? await this.waits(refused, latest) : new Map<string, number>();
    return ids.map((id, i) => (decisions[i] ? { ok: true } : retryAfter(waits.get(id) ?? 0)));
  }

  /**
   * Counts one attempt against a failure throttle before the attempt is checked, so that concurrent
   * guesses cannot all pass the gate before any of them has failed; `succeed` clears the count.
   */
  async attempt(key: string, policy: Backoff): Promise<RateDecision> {
    const now = this.now();
    const id = hashed(key);
    await this.pruneNow(now);
    const free = Math.max(0, Math.floor(policy.free));
    // Doublings until maxMs: beyond them the wait stays at maxMs.
    const steps = Math.max(0, Math.ceil(Math.log2(Math.max(1, policy.maxMs / policy.baseMs))));
    const forgetBefore = now - policy.forgetMs;
    const hits = sql`CASE WHEN klaviyo_rate_limits.tat < ${forgetBefore} THEN 1 ELSE klaviyo_rate_limits.hits + 1 END`;
    // Whole numbers of this process's own policy, not values from a request.
    const wait = sql`CASE WHEN (${hits}) <= ${raw(String(free))} THEN 0
      WHEN (${hits}) > ${raw(String(free + steps))} THEN ${raw(String(Math.round(policy.maxMs)))}
      ELSE CAST(${raw(String(Math.round(policy.baseMs)))} AS BIGINT) * (1 << ((${hits}) - ${raw(String(free + 1))})) END`;
    const counted = await this.db.query(
      sql`INSERT INTO klaviyo_rate_limits (key, tat, hits) VALUES (${id}, ${now + (free >= 1 ? 0 : Math.round(policy.baseMs))}, 1)
       ON CONFLICT (key) DO UPDATE SET hits = ${hits}, tat = CAST(${now} AS BIGINT) + (${wait})
       WHERE klaviyo_rate_limits.tat <= ${now}
       RETURNING hits`,
    );
    return counted.length > 0 ? { ok: true } : this.refusal(id, now);
  }

  /** Clears a throttle's count (a successful sign-in). */
  async succeed(key: string): Promise<void> {
    await this.db.query(sql`DELETE FROM klaviyo_rate_limits WHERE key = ${hashed(key)}`);
  }

  /**
   * Refused keys' waits (ms): until each `tat` comes down to `allowedAt`. A second statement, but only
   * on refusal: an upsert whose WHERE fails writes nothing and returns nothing, and making it return
   * the row would mean writing the row (a WAL fsync on SQLite) for every refused request of a flood.
   */
  private async waits(ids: readonly string[], allowedAt: number): Promise<Map<string, number>> {
    const rows = await this.db.query<{ key: string; tat: number }>(
      sql`SELECT key, tat FROM klaviyo_rate_limits WHERE key IN (${join(ids)})`,
    );
    return new Map(rows.map((row) => [row.key, Number(row.tat) - allowedAt]));
  }

  /** A refused attempt's wait, for `attempt`. */
  private async refusal(id: string, allowedAt: number): Promise<RateDecision> {
    return retryAfter((await this.waits([id], allowedAt)).get(id) ?? 0);
  }

  private async pruneNow(now: number): Promise<void> {
    if (++decisions % PRUNE_EVERY !== 0) return;
    // A day past its time: long after any backoff's forget window.
    await this.db.query(sql`DELETE FROM klaviyo_rate_limits WHERE tat < ${now - 86_400_000}`);
  }
}

/**
 * The limiter the relay routes use: concurrent takes under one limit share one statement
 * (`takeEach`, coalesced by sql/coalesce.ts), so a busy route pays one round trip for many requests.
 * Each request still gets its own decision, and the buckets are the same rows as `limiter`'s.
 */
export function coalescedLimiter(limiter: Pick<RateLimiter, 'takeEach'>): Limiter {
  const byLimit = new Map<string, (key: string) => Promise<RateDecision>>();
  return {
    take(key, limit) {
      const id = `${limit.capacity}/${limit.perMinute}`;
      let take = byLimit.get(id);
      if (!take) {
        take = coalesce((keys: string[]) => limiter.takeEach(keys, limit));
        byLimit.set(id, take);
      }
      return take(key);
    },
  };
}
