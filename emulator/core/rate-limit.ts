import type { Clock } from './clock.js';
import { EmulatorError } from './errors.js';
import type { RateLimit, Window } from './spec.js';

interface Counter {
  windowStart: number;
  count: number;
}

/**
 * Klaviyo's limiter: per account and per operation, fixed windows of 1 s (burst) and 60 s (steady),
 * plus daily caps where the spec sets them (developers.klaviyo.com "Rate limits, status codes, and
 * errors"). Non-429 responses carry `RateLimit-*` headers for the steady window; a 429 carries only
 * `Retry-After` in whole seconds. A throttled request does not count against the window.
 */
export class RateLimiter {
  private readonly counters = new Map<string, Counter>();
  enabled = true;
  throttled = 0;

  constructor(private readonly clock: Clock) {}

  private counter(key: string, window: Window, now: number): Counter {
    const windowStart = Math.floor(now / window.windowMs) * window.windowMs;
    let counter = this.counters.get(key);
    if (!counter || counter.windowStart !== windowStart) {
      counter = { windowStart, count: 0 };
      this.counters.set(key, counter);
    }
    return counter;
  }

  /** Counts one request or throws 429; returns the headers for a successful response. */
  take(accountId: string, bucket: string, limit: RateLimit): Record<string, string> {
    const now = this.clock.now();
    const windows = [
      ['burst', limit.burst],
      ['steady', limit.steady],
      ...(limit.daily ? ([['daily', limit.daily]] as const) : []),
    ] as const;
    const counters = windows.map(([name, window]) => ({
      window,
      counter: this.counter(`${accountId}|${bucket}|${name}`, window, now),
    }));
    if (this.enabled) {
      const exceeded = counters.filter(({ window, counter }) => counter.count >= window.limit);
      if (exceeded.length > 0) {
        const waitMs = Math.max(
          ...exceeded.map(({ window, counter }) => counter.windowStart + window.windowMs - now),
        );
        const seconds = Math.max(1, Math.ceil(waitMs / 1000));
        this.throttled++;
        throw new EmulatorError(
          429,
          'throttled',
          `Request was throttled. Expected available in ${seconds} second${seconds === 1 ? '' : 's'}.`,
          { headers: { 'Retry-After': String(seconds) } },
        );
      }
    }
    for (const { counter } of counters) counter.count++;
    const steady = counters[1];
    if (!steady) return {};
    return {
      'RateLimit-Limit': String(steady.window.limit),
      'RateLimit-Remaining': String(Math.max(0, steady.window.limit - steady.counter.count)),
      'RateLimit-Reset': String(
        Math.ceil((steady.counter.windowStart + steady.window.windowMs - now) / 1000),
      ),
    };
  }

  reset(): void {
    this.counters.clear();
    this.throttled = 0;
  }
}
