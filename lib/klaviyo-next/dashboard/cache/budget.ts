import 'server-only';
import sql, { empty } from 'sql-template-tag';
import { OPERATIONS } from '../../api/generated/operations';
import type { UsedOperation } from '../../api/used-operations';
import type { SqlDatabase } from '../../sql/types';

/** A token bucket: `capacity` calls at once, refilled at `perMinute`, and at most `perDay` a UTC day. */
export interface BudgetPolicy {
  capacity: number;
  perMinute: number;
  perDay: number;
}

/**
 * The admin's share of an operation's published limit (`x-klaviyo-ratelimit`, read from the
 * generated spec metadata rather than copied by hand), or of the stricter limit a parameter brings
 * (get_list with profile_count is 15/m instead of 750/m). The rest is left to everything else that
 * uses the same key.
 */
export function policyFor(
  operation: UsedOperation,
  { share = 1, dayShare = share, param }: { share?: number; dayShare?: number; param?: string } = {},
): BudgetPolicy {
  const meta = OPERATIONS[operation] as {
    rateLimit: { perMinute: number; perDay?: number };
    conditionalRateLimits: readonly { param: string; value: string; perMinute: number }[];
  };
  const limit = param ? meta.conditionalRateLimits.find((c) => `${c.param}=${c.value}` === param) : undefined;
  if (param && !limit) throw new Error(`${operation} has no published limit for ${param}`);
  const perMinute = Math.max(1, Math.floor((limit ?? meta.rateLimit).perMinute * share));
  const perDay = meta.rateLimit.perDay
    ? Math.floor(meta.rateLimit.perDay * dayShare)
    : Number.MAX_SAFE_INTEGER;
  return { capacity: Math.max(1, Math.floor(perMinute / 2)), perMinute, perDay };
}

interface Row {
  tokens: number;
  updated_at: number;
  day: string;
  day_calls: number;
}

const utcDay = (ms: number) => new Date(ms).toISOString().slice(0, 10);

/**
 * Takes one call from the bucket, atomically across processes (SQLite's IMMEDIATE transaction,
 * Postgres's row lock). `{ ok: false, nextAt }` says when a call will next be allowed.
 */
export async function reserveCall(
  db: SqlDatabase,
  bucket: string,
  policy: BudgetPolicy,
  now: number,
): Promise<{ ok: true } | { ok: false; nextAt: number }> {
  const lock = db.dialect === 'postgres' ? sql` FOR UPDATE` : empty;
  return db.transaction(async (tx) => {
    const [row] = await tx.query<Row>(
      sql`SELECT tokens, updated_at, day, day_calls FROM klaviyo_admin_call_budget WHERE bucket = ${bucket}${lock}`,
    );
    const refillPerMs = policy.perMinute / 60_000;
    const elapsed = Math.max(0, now - (row?.updated_at ?? now));
    const tokens = row
      ? Math.min(policy.capacity, Number(row.tokens) + elapsed * refillPerMs)
      : policy.capacity;
    const today = utcDay(now);
    const dayCalls = row && row.day === today ? Number(row.day_calls) : 0;
    if (dayCalls >= policy.perDay)
      return { ok: false, nextAt: Date.parse(`${today}T00:00:00Z`) + 86_400_000 };
    if (tokens < 1) return { ok: false, nextAt: now + Math.ceil((1 - tokens) / refillPerMs) };
    await tx.query(sql`INSERT INTO klaviyo_admin_call_budget (bucket, tokens, updated_at, day, day_calls) VALUES (${bucket}, ${tokens - 1}, ${now}, ${today}, ${dayCalls + 1})
       ON CONFLICT (bucket) DO UPDATE SET tokens = excluded.tokens, updated_at = excluded.updated_at,
       day = excluded.day, day_calls = excluded.day_calls`);
    return { ok: true };
  });
}
