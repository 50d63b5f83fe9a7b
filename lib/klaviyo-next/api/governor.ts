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
  store?: RateBudgetStore;
  now?: () => number;
  sleep?: (ms: number) => Promise<void>;
  /**
   * Added to each window's length: requests leave here in order but can reach Klaviyo a little
   * bunched by network jitter, which could otherwise put one too many in a server window.
   */
  marginMs?: number;
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
    this.store = options.store ?? new MemoryRateBudgetStore();
    this.now = options.now ?? Date.now;
    this.sleep = options.sleep ?? ((ms) => new Promise((resolve) => setTimeout(resolve, ms)));
    this.marginMs = options.marginMs ?? 50;
  }

  private windows(limit: PublishedLimit): RateWindow[] {
    const windows: RateWindow[] = [
      { limit: limit.perSecond, windowMs: 1_000 + this.marginMs },
      { limit: limit.perMinute, windowMs: 60_000 + this.marginMs },
    ];
    if (limit.perDay) windows.push({ limit: limit.perDay, windowMs: 86_400_000 });
    return windows;
  }

  /** Waits until a request to `operation` fits its budget, then counts it. */
  async acquire(
    operation: string,
    limit: PublishedLimit,
    deadlineMs = Number.POSITIVE_INFINITY,
  ): Promise<void> {
    const windows = this.windows(limit);
    for (;;) {
      const wait = await this.store.reserve(operation, windows, this.now());
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
      await this.sleep(wait);
    }
  }

  /** Reads Klaviyo's view of the steady window from a successful response. */
  async observe(operation: string, headers: Headers): Promise<void> {
    const remaining = Number(headers.get('ratelimit-remaining'));
    const reset = Number(headers.get('ratelimit-reset'));
    if (!headers.has('ratelimit-remaining') || !Number.isFinite(remaining) || !Number.isFinite(reset)) return;
    await this.store.clamp(operation, remaining, this.now() + reset * 1000);
  }

  /** After a 429, holds every call to the operation for `retryAfterMs`. */
  async throttled(operation: string, retryAfterMs: number): Promise<void> {
    await this.store.block(operation, this.now() + retryAfterMs);
  }
}
