import 'server-only';
import sql, { join } from 'sql-template-tag';
import type { RateBudgetStore, RateWindow } from '../api/rate-budget';
import type { SqlDatabase, SqlExecutor } from '../sql/types';

/**
 * The database's clock in epoch ms. `clock_timestamp()`, not `now()`: `now()` is the transaction's
 * start, which for a reservation that queued on the advisory lock is already stale.
 */
const DB_NOW_MS = sql`(extract(epoch from clock_timestamp()) * 1000)::bigint`;

interface State {
  now_ms: number;
  remaining: number | null;
  reset_at: number | null;
  blocked_until: number | null;
}

/**
 * The governor's budget shared by every app instance and worker on one Postgres: sliding windows of
 * send times kept in `klaviyo_rate_log`, each reservation made under a per-key advisory lock, so the
 * processes together never reserve more than the windows allow.
 *
 * Every instant here is the database's (`clock_timestamp()`), read once per reservation after the
 * lock is held: hosts' clocks drift and can be minutes off, and a log written in several clocks
 * would let a fast host see everyone's sends as old (and send on top of them) and a slow one wait
 * for nothing. Callers give only durations (a `Retry-After`, a `RateLimit-Reset`) and get back the
 * ms to wait, which they sleep in their own process.
 */
export class PostgresRateBudgetStore implements RateBudgetStore {
  constructor(private readonly db: SqlDatabase) {}

  async reserve(key: string, windows: readonly RateWindow[]): Promise<number> {
    return this.db.transaction(async (tx) => {
      await tx.query(sql`SELECT pg_advisory_xact_lock(hashtext(${`klaviyo-rate:${key}`}))`);
      const [state] = await tx.query<State>(
        sql`SELECT ${DB_NOW_MS} AS now_ms, s.remaining, s.reset_at, s.blocked_until
            FROM (SELECT 1) AS one LEFT JOIN klaviyo_rate_state s ON s.key = ${key}`,
      );
      if (!state) throw new Error('klaviyo_rate_state: the clock query returned no row');
      const now = state.now_ms;
      if ((state.blocked_until ?? 0) > now) return (state.blocked_until ?? 0) - now;
      const clamped = state.reset_at !== null && state.reset_at > now && state.remaining !== null;
      if (clamped && (state.remaining ?? 0) <= 0) return (state.reset_at ?? now) - now;
      const wait = await this.waitFor(tx, key, windows, now);
      if (wait > 0) return wait;
      const longest = Math.max(...windows.map((w) => w.windowMs));
      // One statement: the send, the log's expired rows, and Klaviyo's count if one is in force.
      await tx.query(sql`WITH sent AS (INSERT INTO klaviyo_rate_log (key, sent_at) VALUES (${key}, ${now})),
          expired AS (DELETE FROM klaviyo_rate_log WHERE key = ${key} AND sent_at <= ${now - longest})
        UPDATE klaviyo_rate_state SET remaining = remaining - 1
        WHERE key = ${key} AND remaining IS NOT NULL AND reset_at > ${now}`);
      return 0;
    });
  }

  /** For each window, the limit-th newest send in it: the window has room again once it leaves. */
  private async waitFor(tx: SqlExecutor, key: string, windows: readonly RateWindow[], now: number) {
    const values = join(windows.map((w) => sql`(${w.limit}::int, ${w.windowMs}::bigint)`));
    const [row] = await tx.query<{ wait: number | null }>(
      sql`SELECT max(n.sent_at + w.len - ${now}) AS wait
          FROM (VALUES ${values}) AS w(lim, len)
          CROSS JOIN LATERAL (
            SELECT sent_at FROM klaviyo_rate_log
            WHERE key = ${key} AND sent_at > ${now} - w.len
            ORDER BY sent_at DESC OFFSET w.lim - 1 LIMIT 1
          ) AS n`,
    );
    return Math.max(0, Number(row?.wait ?? 0));
  }

  async clamp(key: string, remaining: number, resetInMs: number): Promise<void> {
    await this.db.query(sql`INSERT INTO klaviyo_rate_state (key, remaining, reset_at, blocked_until)
        VALUES (${key}, ${remaining}, ${DB_NOW_MS} + ${Math.round(resetInMs)}::bigint, 0)
       ON CONFLICT (key) DO UPDATE SET remaining = excluded.remaining, reset_at = excluded.reset_at`);
  }

  async block(key: string, forMs: number): Promise<void> {
    await this.db.query(sql`INSERT INTO klaviyo_rate_state (key, remaining, reset_at, blocked_until)
        VALUES (${key}, NULL, NULL, ${DB_NOW_MS} + ${Math.round(forMs)}::bigint)
       ON CONFLICT (key) DO UPDATE SET blocked_until = GREATEST(klaviyo_rate_state.blocked_until, excluded.blocked_until)`);
  }
}
