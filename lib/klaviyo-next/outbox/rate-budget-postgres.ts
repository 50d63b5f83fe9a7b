import 'server-only';
import sql from 'sql-template-tag';
import type { RateBudgetStore, RateWindow } from '../api/rate-budget';
import type { SqlDatabase } from '../sql/types';

interface State {
  remaining: number | null;
  reset_at: number | null;
  blocked_until: number;
}

/**
 * The governor's budget shared by every app instance and worker on one Postgres: the same sliding
 * windows as the memory store, kept in a table and updated under a per-key advisory lock, so
 * processes together never send more than Klaviyo's per-account limits allow.
 */
export class PostgresRateBudgetStore implements RateBudgetStore {
  constructor(private readonly db: SqlDatabase) {}

  private lock(tx: { query: SqlDatabase['query'] }, key: string) {
    return tx.query(sql`SELECT pg_advisory_xact_lock(hashtext(${`klaviyo-rate:${key}`}))`);
  }

  private async state(tx: { query: SqlDatabase['query'] }, key: string): Promise<State> {
    const rows = await tx.query<State>(
      sql`SELECT remaining, reset_at, blocked_until FROM klaviyo_rate_state WHERE key = ${key}`,
    );
    return rows[0] ?? { remaining: null, reset_at: null, blocked_until: 0 };
  }

  async reserve(key: string, windows: readonly RateWindow[], nowMs: number): Promise<number> {
    return this.db.transaction(async (tx) => {
      await this.lock(tx, key);
      const state = await this.state(tx, key);
      if (state.blocked_until > nowMs) return state.blocked_until - nowMs;
      const clamped = state.reset_at !== null && state.reset_at > nowMs && state.remaining !== null;
      if (clamped && (state.remaining ?? 0) <= 0) return (state.reset_at ?? nowMs) - nowMs;
      let wait = 0;
      for (const w of windows) {
        // The limit-th newest send in the window: the window has room again once it leaves.
        const rows = await tx.query<{ sent_at: number }>(
          sql`SELECT sent_at FROM klaviyo_rate_log WHERE key = ${key} AND sent_at > ${nowMs - w.windowMs} ORDER BY sent_at DESC OFFSET ${w.limit - 1} LIMIT 1`,
        );
        if (rows[0]) wait = Math.max(wait, rows[0].sent_at + w.windowMs - nowMs);
      }
      if (wait > 0) return wait;
      await tx.query(sql`INSERT INTO klaviyo_rate_log (key, sent_at) VALUES (${key}, ${nowMs})`);
      if (clamped)
        await tx.query(sql`UPDATE klaviyo_rate_state SET remaining = remaining - 1 WHERE key = ${key}`);
      const longest = Math.max(...windows.map((w) => w.windowMs));
      await tx.query(sql`DELETE FROM klaviyo_rate_log WHERE key = ${key} AND sent_at <= ${nowMs - longest}`);
      return 0;
    });
  }

  async clamp(key: string, remaining: number, resetAtMs: number): Promise<void> {
    await this.db.query(sql`INSERT INTO klaviyo_rate_state (key, remaining, reset_at, blocked_until) VALUES (${key}, ${remaining}, ${Math.round(resetAtMs)}, 0)
       ON CONFLICT (key) DO UPDATE SET remaining = excluded.remaining, reset_at = excluded.reset_at`);
  }

  async block(key: string, untilMs: number): Promise<void> {
    await this.db.query(sql`INSERT INTO klaviyo_rate_state (key, remaining, reset_at, blocked_until) VALUES (${key}, NULL, NULL, ${Math.round(untilMs)})
       ON CONFLICT (key) DO UPDATE SET blocked_until = GREATEST(klaviyo_rate_state.blocked_until, excluded.blocked_until)`);
  }
}
