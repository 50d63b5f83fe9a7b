import type { KlaviyoApiError } from '../../klaviyo/errors';

/** Per outbox id: undefined when delivered, otherwise the error that stopped it. */
export type Outcomes = Map<number, KlaviyoApiError | undefined>;

/** Runs `fn` over items with at most `limit` in flight. */
export async function eachLimited<T>(
  items: readonly T[],
  limit: number,
  fn: (item: T) => Promise<void>,
): Promise<void> {
  let next = 0;
  const workers = Array.from({ length: Math.min(limit, items.length) }, async () => {
    while (next < items.length) {
      const item = items[next++] as T;
      await fn(item);
    }
  });
  await Promise.all(workers);
}
