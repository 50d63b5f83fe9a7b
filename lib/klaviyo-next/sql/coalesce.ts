/**
 * Group commit: calls made while a batch is in flight wait and then go together as the next batch,
 * so N concurrent requests cost one database round trip where they would cost N. A call made while
 * nothing is in flight starts at once: a quiet server adds no delay, and a busy one batches more the
 * busier it is (no timer to tune).
 *
 * `run` answers one result per item, in order. When it throws for a batch of several, each item is
 * run again on its own, so one item that cannot be written fails alone instead of taking its
 * neighbours with it; `run` must therefore be atomic (a transaction, or one statement), so a batch
 * that failed left nothing behind to be written twice.
 */
export function coalesce<I, O>(run: (items: I[]) => Promise<O[]>, maxBatch = 100): (item: I) => Promise<O> {
  type Waiting = { item: I; resolve: (result: O) => void; reject: (error: unknown) => void };
  let queue: Waiting[] = [];
  let inFlight = false;

  const settle = async (batch: Waiting[]) => {
    try {
      const results = await run(batch.map((w) => w.item));
      for (const [i, w] of batch.entries()) w.resolve(results[i] as O);
    } catch (error) {
      if (batch.length === 1) batch[0]?.reject(error);
      else for (const w of batch) await settle([w]);
    }
  };

  const next = async () => {
    inFlight = true;
    while (queue.length > 0) {
      const batch = queue.slice(0, maxBatch);
      queue = queue.slice(batch.length);
      await settle(batch);
    }
    inFlight = false;
  };

  return (item) =>
    new Promise<O>((resolve, reject) => {
      queue.push({ item, resolve, reject });
      if (!inFlight) void next();
    });
}
