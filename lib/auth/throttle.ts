import 'server-only';

/**
 * Failed sign-ins per key (email and client address) in a sliding window, in memory: a brake on
 * password guessing on one instance, on top of scrypt's cost. After `limit` failures the key is
 * refused until the oldest failure leaves the window, even with the right password.
 */
export function createThrottle({ limit = 10, windowMs = 15 * 60_000 } = {}) {
  const failures = new Map<string, number[]>();
  const recent = (key: string, now: number) => (failures.get(key) ?? []).filter((at) => now - at < windowMs);

  return {
    blocked(key: string, now = Date.now()): boolean {
      return recent(key, now).length >= limit;
    },
    fail(key: string, now = Date.now()): void {
      failures.set(key, [...recent(key, now), now]);
      // Keep the map bounded under a spray of distinct keys.
      if (failures.size > 10_000) failures.delete(failures.keys().next().value as string);
    },
    succeed(key: string): void {
      failures.delete(key);
    },
  };
}
