import 'server-only';
import { randomUUID } from 'node:crypto';
import sql from 'sql-template-tag';
import type { Cached } from '../contracts';
import type { AdminDeps } from '../deps';
import { describeFailure } from '../errors';
import { type BudgetPolicy, reserveCall } from './budget';

/** One cached Klaviyo read: where it lives, how long it stays fresh, and which budget it spends. */
export interface Source<T> {
  key: string;
  ttlMs: number;
  bucket: string;
  policy: BudgetPolicy;
  fetch: () => Promise<T>;
}

interface Row {
  value: string | null;
  fetched_at: number | null;
  lease_until: number | null;
  error: string | null;
  error_at: number | null;
  stale_since: number | null;
}

// Longer than any one refresh can take (the client's timeout and retries), so a lease is never
// stolen from a live refresh; a crashed one frees the key after this.
const LEASE_MS = 2 * 60_000;
// After a failure, page views do not try again at once: the error is shown with the last value.
const ERROR_BACKOFF_MS = 60_000;

async function readRow(deps: AdminDeps, key: string): Promise<Row | undefined> {
  const [row] = await deps.db.query<Row>(
    sql`SELECT value, fetched_at, lease_until, error, error_at, stale_since FROM klaviyo_admin_cache WHERE key = ${key}`,
  );
  return row;
}

function view<T>(row: Row | undefined, now: number): Cached<T> {
  const failedLast = row?.error_at != null && (row.fetched_at == null || row.error_at >= row.fetched_at);
  return {
    value: row?.value != null ? (JSON.parse(row.value) as T) : null,
    fetchedAt: row?.fetched_at != null ? Number(row.fetched_at) : null,
    refreshing: row?.lease_until != null && Number(row.lease_until) > now,
    error: failedLast ? (row?.error ?? null) : null,
  };
}

/** Another request or process is refreshing the key: wait for it (up to WAIT_MS) rather than fetch twice. */
const WAIT_MS = 20_000;
async function waitForRefresh<T>(deps: AdminDeps, key: string): Promise<Cached<T>> {
  const until = Date.now() + WAIT_MS;
  for (;;) {
    const cached = view<T>(await readRow(deps, key), deps.now());
    if (!cached.refreshing || Date.now() > until) return cached;
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
}

type Begin =
  | { status: 'started'; run: () => Promise<void> }
  | { status: 'busy' }
  | { status: 'deferred'; nextAt: number };

/** Takes the key's lease, then one call from its budget; the fetch itself is left to `run`. */
async function beginRefresh<T>(deps: AdminDeps, source: Source<T>, now: number): Promise<Begin> {
  const owner = randomUUID();
  await deps.db.query(
    sql`INSERT INTO klaviyo_admin_cache (key) VALUES (${source.key}) ON CONFLICT (key) DO NOTHING`,
  );
  const leased =
    await deps.db.query(sql`UPDATE klaviyo_admin_cache SET lease_owner = ${owner}, lease_until = ${now + LEASE_MS}
     WHERE key = ${source.key} AND (lease_until IS NULL OR lease_until < ${now}) RETURNING key`);
  if (leased.length === 0) return { status: 'busy' };
  const budget = await reserveCall(deps.db, source.bucket, source.policy, now);
  const release = sql`lease_owner = NULL, lease_until = NULL WHERE key = ${source.key} AND lease_owner = ${owner}`;
  if (!budget.ok) {
    await deps.db.query(sql`UPDATE klaviyo_admin_cache SET ${release}`);
    return { status: 'deferred', nextAt: budget.nextAt };
  }
  const run = async () => {
    try {
      const value = await source.fetch();
      await deps.db.query(
        sql`UPDATE klaviyo_admin_cache SET value = ${JSON.stringify(value)}, fetched_at = ${deps.now()}, error = NULL, error_at = NULL, stale_since = NULL, ${release}`,
      );
    } catch (error) {
      await deps.db.query(
        sql`UPDATE klaviyo_admin_cache SET error = ${describeFailure(error).message}, error_at = ${deps.now()}, ${release}`,
      );
    }
  };
  return { status: 'started', run };
}

/**
 * The cached value, never waiting for Klaviyo unless asked to. A page view spends budget only when
 * the value is missing or older than `ttlMs`, no other process is refreshing it, the last attempt
 * did not just fail, and the operation's bucket has a call left; then the fetch runs after the
 * answer is sent and the page looks again while `refreshing` is true.
 */
export async function readCached<T>(
  deps: AdminDeps,
  source: Source<T>,
  { refresh = 'background' }: { refresh?: 'background' | 'wait' | 'never' } = {},
): Promise<Cached<T>> {
  const now = deps.now();
  const row = await readRow(deps, source.key);
  const current = view<T>(row, now);
  const fresh =
    current.fetchedAt != null && now - current.fetchedAt < source.ttlMs && row?.stale_since == null;
  const backingOff = current.error != null && row?.error_at != null && now - row.error_at < ERROR_BACKOFF_MS;
  if (fresh || current.refreshing || backingOff || refresh === 'never') return current;
  const begun = await beginRefresh(deps, source, now);
  if (begun.status === 'deferred') return { ...current, nextRefreshAt: begun.nextAt };
  if (begun.status === 'busy') {
    if (refresh === 'wait') return waitForRefresh<T>(deps, source.key);
    return { ...current, refreshing: true };
  }
  if (refresh === 'wait') {
    await begun.run();
    return view<T>(await readRow(deps, source.key), deps.now());
  }
  deps.defer(begun.run);
  return { ...current, refreshing: true };
}

export type RefreshOutcome =
  | { status: 'refreshed' | 'failed' | 'busy'; cached: Cached<unknown> }
  | { status: 'fresh'; cached: Cached<unknown> }
  | { status: 'deferred'; nextAt: number; cached: Cached<unknown> };

/** Says a cached value has changed in Klaviyo (we changed it): the next view re-reads it within budget. */
export async function markStale(deps: AdminDeps, key: string): Promise<void> {
  await deps.db.query(sql`UPDATE klaviyo_admin_cache SET stale_since = ${deps.now()} WHERE key = ${key}`);
}

/**
 * A refresh the merchant asked for: skipped while the value is younger than `minAgeMs`, and still
 * bounded by the operation's budget. Waits for the fetch, so the answer carries the new value.
 */
export async function refreshCached<T>(
  deps: AdminDeps,
  source: Source<T>,
  minAgeMs: number,
): Promise<RefreshOutcome> {
  const now = deps.now();
  const current = view<T>(await readRow(deps, source.key), now);
  if (current.fetchedAt != null && now - current.fetchedAt < minAgeMs)
    return { status: 'fresh', cached: current };
  const begun = await beginRefresh(deps, source, now);
  if (begun.status === 'deferred') return { status: 'deferred', nextAt: begun.nextAt, cached: current };
  if (begun.status === 'busy') return { status: 'busy', cached: { ...current, refreshing: true } };
  await begun.run();
  const cached = view<T>(await readRow(deps, source.key), deps.now());
  return { status: cached.error ? 'failed' : 'refreshed', cached };
}
