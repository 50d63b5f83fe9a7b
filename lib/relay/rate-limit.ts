/** A token bucket: `capacity` requests at once, refilled at `perMinute / 60` per second. */
export interface RateLimit {
  capacity: number;
  perMinute: number;
}

export type RateDecision = { ok: true } | { ok: false; retryAfterSeconds: number };

/**
 * Per-client token buckets in this process's memory. Enough to stop one browser or script from
 * flooding the outbox; with several instances each keeps its own buckets, so the effective limit is
 * per instance. The oldest idle client is forgotten first once `maxClients` are tracked.
 */
export class RateLimiter {
  private readonly buckets = new Map<string, { tokens: number; at: number }>();

  constructor(
    private readonly now: () => number = Date.now,
    private readonly maxClients = 10_000,
  ) {}

  take(key: string, limit: RateLimit): RateDecision {
    const now = this.now();
    const perMs = limit.perMinute / 60_000;
    const bucket = this.buckets.get(key) ?? { tokens: limit.capacity, at: now };
    const tokens = Math.min(limit.capacity, bucket.tokens + (now - bucket.at) * perMs);
    // Re-inserting keeps the map in least-recently-used order for eviction.
    this.buckets.delete(key);
    if (this.buckets.size >= this.maxClients) {
      const oldest = this.buckets.keys().next().value;
      if (oldest !== undefined) this.buckets.delete(oldest);
    }
    if (tokens < 1) {
      this.buckets.set(key, { tokens, at: now });
      return { ok: false, retryAfterSeconds: Math.max(1, Math.ceil((1 - tokens) / perMs / 1000)) };
    }
    this.buckets.set(key, { tokens: tokens - 1, at: now });
    return { ok: true };
  }
}
