import 'server-only';
import { createHash } from 'node:crypto';
import sql, { raw } from 'sql-template-tag';
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

  /** Takes one token from `key`'s bucket, or says how long until one is back. */
  async take(key: string, limit: RateLimit): Promise<RateDecision> {
    const now = this.now();
    const interval = Math.max(1, Math.round(60_000 / limit.perMinute));
    // A request is allowed while the bucket is not yet `capacity` intervals in debt.
    const latest = now + (Math.max(1, limit.capacity) - 1) * interval;
    const id = hashed(key);
    await this.pruneNow(now);
    const taken =
      await this.db.query(sql`INSERT INTO klaviyo_rate_limits (key, tat, hits) VALUES (${id}, ${now + interval}, 0)
       ON CONFLICT (key) DO UPDATE SET
         tat = (CASE WHEN klaviyo_rate_limits.tat > ${now} THEN klaviyo_rate_limits.tat ELSE CAST(${now} AS BIGINT) END) + CAST(${interval} AS BIGINT)
       WHERE klaviyo_rate_limits.tat <= ${latest}
       RETURNING tat`);
    return taken.length > 0 ? { ok: true } : this.refusal(id, latest);
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
   * A refused key's wait: until its `tat` comes down to `allowedAt`. A second statement, but only on
   * refusal: an upsert whose WHERE fails writes nothing and returns nothing, and making it return the
   * row would mean writing the row (a WAL fsync on SQLite) for every refused request of a flood.
   */
  private async refusal(id: string, allowedAt: number): Promise<RateDecision> {
    const [row] = await this.db.query<{ tat: number }>(
      sql`SELECT tat FROM klaviyo_rate_limits WHERE key = ${id}`,
    );
    return retryAfter(Number(row?.tat ?? allowedAt) - allowedAt);
  }

  private async pruneNow(now: number): Promise<void> {
    if (++decisions % PRUNE_EVERY !== 0) return;
    // A day past its time: long after any backoff's forget window.
    await this.db.query(sql`DELETE FROM klaviyo_rate_limits WHERE tat < ${now - 86_400_000}`);
  }
}
