/** A window of the budget and how many requests it may hold. */
export interface RateWindow {
  limit: number;
  windowMs: number;
}

/**
 * Where request budgets are counted. One process uses the memory store; several app instances and
 * workers share one account's budget through a store backed by the outbox database (Postgres).
 *
 * Times cross this interface only as durations, never as instants: a shared store reads one clock
 * (the database's) for every process, so a host whose clock is minutes off can neither free slots
 * early nor hold everyone back. The caller still does the waiting (it sleeps the returned ms).
 */
export interface RateBudgetStore {
  /** Takes a slot for `key` when every window has room now; otherwise returns the ms to wait. */
  reserve(key: string, windows: readonly RateWindow[]): Promise<number>;
  /** Klaviyo's own count (`RateLimit-Remaining`/`-Reset`): at most `remaining` more for `resetInMs`. */
  clamp(key: string, remaining: number, resetInMs: number): Promise<void>;
  /** Nothing for `key` for the next `forMs` (after a 429's `Retry-After`). */
  block(key: string, forMs: number): Promise<void>;
}

interface KeyState {
  sent: number[]; // send times within the longest window, oldest first
  remaining?: number;
  resetAtMs?: number;
  blockedUntilMs: number;
}

/**
 * Sliding windows in memory, on this process's clock (one process owns the budget, so one clock).
 * Klaviyo counts in fixed windows whose boundaries we cannot see; a sliding window of the same
 * length never lets any fixed window exceed its limit.
 */
export class MemoryRateBudgetStore implements RateBudgetStore {
  private readonly keys = new Map<string, KeyState>();

  constructor(private readonly now: () => number = Date.now) {}

  private state(key: string): KeyState {
    let state = this.keys.get(key);
    if (!state) {
      state = { sent: [], blockedUntilMs: 0 };
      this.keys.set(key, state);
    }
    return state;
  }

  async reserve(key: string, windows: readonly RateWindow[]): Promise<number> {
    const nowMs = this.now();
    const state = this.state(key);
    if (state.blockedUntilMs > nowMs) return state.blockedUntilMs - nowMs;
    if (state.resetAtMs !== undefined && state.resetAtMs <= nowMs) {
      state.remaining = undefined;
      state.resetAtMs = undefined;
    }
    if (state.remaining !== undefined && state.remaining <= 0 && state.resetAtMs !== undefined) {
      return state.resetAtMs - nowMs;
    }
    const longest = Math.max(...windows.map((w) => w.windowMs));
    while (state.sent.length > 0 && (state.sent[0] ?? 0) <= nowMs - longest) state.sent.shift();
    let wait = 0;
    for (const window of windows) {
      const inWindow = state.sent.filter((t) => t > nowMs - window.windowMs);
      if (inWindow.length >= window.limit) {
        // The slot frees when the oldest request that keeps the window full leaves it.
        const freeing = inWindow[inWindow.length - window.limit] ?? nowMs;
        wait = Math.max(wait, freeing + window.windowMs - nowMs);
      }
    }
    if (wait > 0) return wait;
    state.sent.push(nowMs);
    if (state.remaining !== undefined) state.remaining--;
    return 0;
  }

  async clamp(key: string, remaining: number, resetInMs: number): Promise<void> {
    const state = this.state(key);
    state.remaining = remaining;
    state.resetAtMs = this.now() + resetInMs;
  }

  async block(key: string, forMs: number): Promise<void> {
    const state = this.state(key);
    state.blockedUntilMs = Math.max(state.blockedUntilMs, this.now() + forMs);
  }
}
