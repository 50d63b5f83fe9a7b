import type { KlaviyoApiError } from './errors';

/**
 * When to try a failed call again, and how long to wait first. Klaviyo's guidance: on 429 wait the
 * `Retry-After` seconds; on 5xx and network failures back off exponentially
 * (developers.klaviyo.com "Rate limits, status codes, and errors"). Other 4xx never succeed on retry.
 */
export interface RetryPolicy {
  /** Retries after 5xx, timeouts and network errors. */
  maxRetries: number;
  baseDelayMs: number;
  maxDelayMs: number;
  /** 429s do not spend `maxRetries`, but waiting on them is bounded too. */
  maxThrottledRetries: number;
  maxRetryAfterMs: number;
  /** No call, with all its retries and waits, lasts longer than this. */
  deadlineMs: number;
}

export const DEFAULT_RETRY_POLICY: RetryPolicy = {
  maxRetries: 4,
  baseDelayMs: 250,
  maxDelayMs: 8_000,
  maxThrottledRetries: 8,
  // Klaviyo's longest fixed window is one minute (steady limits), so a Retry-After past it is a daily
  // cap; such a call should fail and be retried later by its caller, not hold a request open.
  maxRetryAfterMs: 60_000,
  deadlineMs: 90_000,
};

export interface RetryState {
  retries: number;
  throttled: number;
  startedAtMs: number;
}

/** "Full jitter" backoff: a uniform wait in [0, min(max, base * 2^attempt)]. */
export function fullJitter(policy: RetryPolicy, attempt: number, random: () => number): number {
  return Math.floor(random() * Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** attempt));
}

/**
 * The wait before the next attempt, or undefined to give up. Updates `state`.
 */
export function nextDelay(
  policy: RetryPolicy,
  state: RetryState,
  error: KlaviyoApiError,
  nowMs: number,
  random: () => number,
): number | undefined {
  if (!error.retryable) return undefined;
  let delay: number;
  if (error.status === 429) {
    if (state.throttled >= policy.maxThrottledRetries) return undefined;
    const retryAfter = error.retryAfterMs ?? fullJitter(policy, state.throttled, random);
    if (retryAfter > policy.maxRetryAfterMs) return undefined;
    state.throttled++;
    delay = retryAfter;
  } else {
    if (state.retries >= policy.maxRetries) return undefined;
    delay = fullJitter(policy, state.retries, random);
    state.retries++;
  }
  return nowMs + delay - state.startedAtMs > policy.deadlineMs ? undefined : delay;
}
