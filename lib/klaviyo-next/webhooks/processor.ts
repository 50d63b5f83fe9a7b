import 'server-only';
import { randomUUID } from 'node:crypto';
import { after } from 'next/server';
import type { Log } from '../log';
import type { InboxStore } from './inbox-store';
import type { ConsentSink } from './types';

/** Items leased per claim. */
const CLAIM_LIMIT = 50;
/** A claim outlives a slow sink by far; a process that dies holding one frees it after this long. */
const LEASE_MS = 5 * 60_000;
/** Retries wait 1 s, 2 s, 4 s... up to an hour (the outbox's backoff, outbox/dispatcher.ts). */
const BACKOFF_BASE_MS = 1_000;
const BACKOFF_MAX_MS = 60 * 60_000;
/** After this many failures (about a day of hourly tries) an item is dead: kept, counted, not retried. */
export const WEBHOOK_MAX_ATTEMPTS = 36;

export const backoffMs = (failures: number): number =>
  Math.min(BACKOFF_MAX_MS, BACKOFF_BASE_MS * 2 ** Math.max(0, failures - 1));

export interface ProcessResult {
  applied: number;
  failed: number;
  dead: number;
}

export interface InboxProcessorOptions {
  inbox: InboxStore;
  sink: ConsentSink;
  now: () => number;
  log: Log;
  /** Applied items are deleted after this many days (OUTBOX_RETENTION_DAYS, default 30). */
  retentionDays?: number;
}

const DAY_MS = 86_400_000;
const HOUR_MS = 3_600_000;

/**
 * Hands inbox items to the host's ConsentSink, each until it succeeds once: after the response
 * (`processSoon`, Next.js `after()`), in the cron drain and in the worker loop. A sink that throws
 * leaves its item pending with a backoff; nothing is dropped.
 */
export function createInboxProcessor(options: InboxProcessorOptions) {
  const { inbox, sink, now, log } = options;
  const owner = `webhooks:${randomUUID()}`;
  let running: Promise<ProcessResult> | undefined;
  let again = false;

  async function round(deadline: number, total: ProcessResult): Promise<number> {
    const claimed = await inbox.claim(owner, CLAIM_LIMIT, LEASE_MS, now());
    for (const [index, item] of claimed.entries()) {
      if (now() >= deadline) {
        // Out of time: give the rest back, due at once for the next drain or the worker.
        await inbox.release(
          owner,
          claimed.slice(index).map((rest) => rest.externalId),
        );
        break;
      }
      try {
        await sink(item.change);
        await inbox.markDone(owner, item.externalId, now());
        total.applied++;
      } catch (error) {
        const failures = item.attempts + 1;
        const dead = failures >= WEBHOOK_MAX_ATTEMPTS;
        await inbox.markFailed(owner, item.externalId, String(error), now() + backoffMs(failures), dead);
        if (dead) total.dead++;
        else total.failed++;
        log('webhooks.sink_failed', {
          externalId: item.externalId,
          topic: item.change.topic,
          attempts: failures,
          error: String(error),
          next: dead ? 'kept as dead; see the inbox' : `retry in ${backoffMs(failures)} ms`,
        });
      }
    }
    return claimed.length;
  }

  /**
   * Works due items until none is left or the budget is spent. A second call while one runs joins it
   * (it goes round once more) instead of racing it for the same rows.
   */
  async function drain(budgetMs = 10_000): Promise<ProcessResult | undefined> {
    if (running) {
      again = true;
      return undefined;
    }
    const deadline = now() + budgetMs;
    running = (async () => {
      const total: ProcessResult = { applied: 0, failed: 0, dead: 0 };
      do {
        again = false;
        // Rounds go on while they make progress; one where everything failed waits for its backoff.
        for (;;) {
          const before = total.applied;
          const claimed = await round(deadline, total);
          if (claimed === 0 || total.applied === before || now() >= deadline) break;
        }
      } while (again && now() < deadline);
      return total;
    })();
    try {
      return await running;
    } finally {
      running = undefined;
    }
  }

  /** After the response: work what was just stored. A failure loses nothing (the worker or cron retries). */
  function processSoon(): void {
    const run = () =>
      drain().catch((error: unknown) =>
        log('webhooks.process_failed', { error: String(error), next: 'the worker or cron drain retries' }),
      );
    try {
      after(run);
    } catch {
      setImmediate(run);
    }
  }

  /** One retention pass: applied and ignored items older than the retention. Never throws. */
  async function prune(): Promise<number> {
    try {
      const before = now() - (options.retentionDays ?? 30) * DAY_MS;
      let removed = 0;
      // At most 10,000 rows a pass, so a pass in the drain route stays short; the next pass goes on.
      for (let pass = 0; pass < 10; pass++) {
        const batch = await inbox.prune(before);
        removed += batch;
        if (batch === 0) break;
      }
      if (removed > 0) log('webhooks.pruned', { removed });
      return removed;
    } catch (error) {
      log('webhooks.prune_failed', { error: String(error), next: 'the next pass catches up' });
      return 0;
    }
  }

  /** The worker's share: drains, then waits `idleMs` until aborted; prunes hourly. */
  async function work(signal: AbortSignal, idleMs = 1_000): Promise<void> {
    let pruneAt = now();
    while (!signal.aborted) {
      if (now() >= pruneAt) {
        await prune();
        pruneAt = now() + HOUR_MS;
      }
      const result = await drain(30_000).catch((error: unknown) => {
        log('webhooks.process_failed', { error: String(error), next: 'retrying shortly' });
        return undefined;
      });
      if (result && result.applied > 0) continue;
      await new Promise<void>((resolve) => {
        const timer = setTimeout(done, idleMs);
        function done() {
          clearTimeout(timer);
          signal.removeEventListener('abort', done);
          resolve();
        }
        signal.addEventListener('abort', done, { once: true });
      });
    }
  }

  return { drain, processSoon, work, prune, owner };
}

export type InboxProcessor = ReturnType<typeof createInboxProcessor>;
