import { KlaviyoApiError } from './errors';
import type { RateBudgetStore, RateWindow } from './rate-budget';
import { MemoryRateBudgetStore } from './rate-budget';

/** An operation's published limits (`x-klaviyo-ratelimit`), per second, minute and day. */
export interface PublishedLimit {
  perSecond: number;
  perMinute: number;
  perDay?: number;
}

export interface GovernorOptions {
  /** Where the budget is counted: by default in memory, on `now`; a shared store reads its own clock. */
  store?: RateBudgetStore;
  /** This process's clock: the memory store's, and the deadline a call's wait is checked against. */
  now?: () => number;
  sleep?: (ms: number) => Promise<void>;
  /**
   * Added to each window's length: requests leave here in order but can reach Klaviyo a little
   * bunched by network jitter, which could otherwise put one too many in a server window.
   */
  marginMs?: number;
}

/**
 * The window a reservation counts against: a little below what Klaviyo publishes for it.
 *
 * Klaviyo counts each operation in fixed windows, a burst per second and a steady count per minute
 * (the spec's `x-klaviyo-ratelimit`, e.g. `{ burst: '10/s', steady: '150/m' }`, read into
 * generated/operations.ts; developers.klaviyo.com "Rate limits and error handling", linked from
 * docs/klaviyo-notes.md). We count sliding windows of reservation times, and a fixed window at
 * Klaviyo holds the requests that *arrive* in it: a reservation's arrival lags it by a delay that
 * differs from request to request, the more so across processes (the database round trip back, each
 * process's event loop, its own connection to Klaviyo). While delays differ by less than the
 * extra length a window is given (`marginMs`), no fixed window can exceed the limit; past that, an
 * edge can take one request reserved in the window before (the straddler) and, at full rate, a share
 * proportional to the extra spread. So a window keeps back max(one request, 10% of its limit): the
 * one covers the straddler at each edge, the 10% a spread of up to a tenth of the window (100 ms a
 * burst, 6 s a minute) with several workers at the ceiling. A limit of 1 or 2 (the 1/s bursts, the
 * reports' 2/m) cannot spare a request without halving or stopping the operation, so its window is
 * made 10% longer instead: the same rate cost, and any spread up to a tenth of the window is held.
 * A daily cap (`x-klaviyo-ratelimit`'s `daily`, e.g. the reports' 225/d) keeps back only the
 * straddler: no spread of delays is a tenth of a day.
 */
export function reservedWindow(limit: number, windowMs: number, marginMs: number): RateWindow {
  const daily = windowMs >= 86_400_000;
  if (limit <= 2 && !daily) return { limit, windowMs: Math.ceil(windowMs * 1.1) + marginMs };
  const keptBack = daily ? 1 : Math.max(1, Math.ceil(limit / 10));
  return { limit: Math.max(1, limit - keptBack), windowMs: windowMs + marginMs };
}

/**
 * Paces calls so steady load stays under Klaviyo's published limits and never provokes a 429,
 * and follows what Klaviyo says about its own count (`RateLimit-*` headers, `Retry-After`).
 */
export class RateGovernor {
  private readonly store: RateBudgetStore;
  private readonly now: () => number;
  private readonly sleep: (ms: number) => Promise<void>;
  private readonly marginMs: number;

  constructor(options: GovernorOptions = {}) {
    this.now = options.now ?? Date.now;
    this.store = options.store ?? new MemoryRateBudgetStore(this.now);
    this.sleep = options.sleep ?? ((ms) => new Promise((resolve) => setTimeout(resolve, ms)));
    this.marginMs = options.marginMs ?? 50;
  }

  private windows(limit: PublishedLimit): RateWindow[] {
    const windows = [
      reservedWindow(limit.perSecond, 1_000, this.marginMs),
      reservedWindow(limit.perMinute, 60_000, this.marginMs),
    ];
    if (limit.perDay) windows.push(reservedWindow(limit.perDay, 86_400_000, 0));
    return windows;
  }

  /** Waits until a request to `operation` fits its budget, then counts it; `signal` gives up waiting. */
  async acquire(
    operation: string,
    limit: PublishedLimit,
    deadlineMs = Number.POSITIVE_INFINITY,
    signal?: AbortSignal,
  ): Promise<void> {
    const windows = this.windows(limit);
    for (;;) {
      // A cancelled call gives up its wait (a stopping worker, a round past its deadline); a slot it
      // has not reserved yet stays free for others.
      signal?.throwIfAborted();
      const wait = await this.store.reserve(operation, windows);
      if (wait <= 0) return;
      if (this.now() + wait > deadlineMs) {
        // Reported as Klaviyo would have: a throttle with the time to wait, which callers retry later.
        throw new KlaviyoApiError(operation, {
          status: 429,
          code: 'rate_budget_exhausted',
          detail: `No rate budget for ${Math.ceil(wait / 1000)} s, past the call's deadline.`,
          retryAfterMs: wait,
        });
      }
      await this.wait(wait, signal);
    }
  }

  /** Sleeps `ms`, or less when `signal` aborts first (the loop above then throws). */
  private wait(ms: number, signal: AbortSignal | undefined): Promise<void> {
    if (!signal) return this.sleep(ms);
    return new Promise<void>((resolve) => {
      const done = () => {
        signal.removeEventListener('abort', done);
        resolve();
      };
      signal.addEventListener('abort', done, { once: true });
      this.sleep(ms).then(done, done);
    });
  }

  /** Reads Klaviyo's view of the steady window from a successful response. */
  async observe(operation: string, headers: Headers): Promise<void> {
    const remaining = Number(headers.get('ratelimit-remaining'));
    const reset = Number(headers.get('ratelimit-reset'));
    if (!headers.has('ratelimit-remaining') || !Number.isFinite(remaining) || !Number.isFinite(reset)) return;
    await this.store.clamp(operation, remaining, reset * 1000);
  }

  /** After a 429, holds every call to the operation for `retryAfterMs`. */
  async throttled(operation: string, retryAfterMs: number): Promise<void> {
    await this.store.block(operation, retryAfterMs);
  }
}
