import 'server-only';
import { after } from 'next/server';
import type { Log } from '../log';
import { createDispatcher, type Dispatcher, type DispatcherOptions, type RoundResult } from './dispatcher';
import { type PruneOptions, type PruneResult, pruneOutbox } from './retention';

/** How the outbox is delivered in one process: drains on demand, after responses, and as a worker. */
export interface Delivery {
  readonly dispatcher: Dispatcher;
  /**
   * Drains now unless a drain is already running in this process, in which case that drain goes
   * round once more: many checkouts in a burst share one drain instead of racing for the same rows.
   * Resolves with what every round of the drain did; undefined when it joined the running drain.
   */
  drainSoon(budgetMs?: number): Promise<RoundResult | undefined>;
  /**
   * Asks for a drain once the response has been sent (Next.js `after()`), so the caller never waits
   * for Klaviyo. Outside a request (scripts, tests) it drains in the background. A failed drain loses
   * nothing: the messages stay in the outbox for the worker or the cron drain.
   */
  deliverSoon(): void;
  /**
   * A long-running delivery loop (`npm run worker`): it drains, sleeps while idle or while Klaviyo asks
   * it to wait. When `signal` aborts (SIGTERM) it cancels the calls in flight, settles what completed,
   * releases the rest of its claim (due again at once, for another worker) and returns. A worker
   * killed mid-round loses nothing: its lease expires and another round sends the batch again, which
   * Klaviyo's unique_id dedup absorbs.
   */
  work(signal: AbortSignal, idleMs?: number): Promise<void>;
  /**
   * One retention pass (delivered messages older than the retention, then old key hashes), logged as
   * `outbox.pruned`. Never throws: a failed pass is logged and the next one catches up. The worker
   * runs it once per `pruneEveryMs`; the cron drain route after each drain.
   */
  prune(options?: Pick<PruneOptions, 'maxBatches' | 'budgetMs'>): Promise<PruneResult | undefined>;
}

/**
 * `onRound` (DispatcherOptions): told after every round, the worker's and each drain's, with the
 * round's counts (`throttled`: 429s met), `durationMs`, and `failed` when it threw.
 */
export interface DeliveryOptions extends DispatcherOptions {
  log: Log;
  /** OUTBOX_RETENTION_DAYS (default 30). */
  retentionDays?: number;
  /** How often the worker loop prunes (default hourly; sooner while a pass leaves more). */
  pruneEveryMs?: number;
  /**
   * Work that turns the host's marks into messages before a drain or a worker round (the catalog's
   * stock marks: catalog/stock-marks.ts). Its failure is logged and never stops delivery.
   */
  beforeRound?: () => Promise<unknown>;
}

const HOUR_MS = 3_600_000;

const sleep = (ms: number, signal: AbortSignal) =>
  new Promise<void>((resolve) => {
    const timer = setTimeout(done, ms);
    function done() {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    }
    signal.addEventListener('abort', done, { once: true });
  });

export function createDelivery(options: DeliveryOptions): Delivery {
  const dispatcher = createDispatcher({
    ...options,
    onRound: (report) => {
      try {
        options.onRound?.(report);
      } catch (error) {
        options.log('outbox.on_round_failed', { error: String(error), next: 'delivery goes on' });
      }
    },
  });
  const now = options.now ?? Date.now;
  const prepare = async () => {
    try {
      await options.beforeRound?.();
    } catch (error) {
      options.log('outbox.before_round_failed', { error: String(error), next: 'the next round tries again' });
    }
  };
  let running: Promise<RoundResult> | undefined;
  let again = false;

  async function drainSoon(budgetMs = 10_000): Promise<RoundResult | undefined> {
    if (running) {
      again = true;
      return undefined;
    }
    // One deadline for the drain and every round it goes again for: a burst of checkouts asking for
    // more must not stretch a serverless function past its budget.
    const deadline = now() + budgetMs;
    running = (async () => {
      await prepare();
      const total = await dispatcher.drain(deadline);
      while (again && now() < deadline) {
        again = false;
        await prepare();
        const more = await dispatcher.drain(deadline);
        for (const k of ['claimed', 'delivered', 'retrying', 'dead', 'throttled'] as const)
          total[k] += more[k];
        total.pausedUntil = more.pausedUntil;
        if (more.stoppedBy) total.stoppedBy = more.stoppedBy;
      }
      // Asked again after the deadline: the next drain (the worker, cron, the next checkout) has it.
      again = false;
      return total;
    })();
    try {
      return await running;
    } finally {
      running = undefined;
    }
  }

  function deliverSoon(): void {
    const run = () =>
      drainSoon().catch((error: unknown) => {
        options.log('outbox.drain_failed', {
          error: String(error),
          next: 'the worker or cron drain retries',
        });
      });
    try {
      after(run);
    } catch {
      setImmediate(run);
    }
  }

  async function prune(
    pass: Pick<PruneOptions, 'maxBatches' | 'budgetMs'> = {},
  ): Promise<PruneResult | undefined> {
    const retentionDays = options.retentionDays ?? 30;
    try {
      const result = await pruneOutbox(options.store, { retentionDays, now, ...pass });
      options.log('outbox.pruned', { ...result, retentionDays });
      return result;
    } catch (error) {
      options.log('outbox.prune_failed', { error: String(error), next: 'the next pass catches up' });
      return undefined;
    }
  }

  async function work(signal: AbortSignal, idleMs = 1_000): Promise<void> {
    const pruneEveryMs = options.pruneEveryMs ?? HOUR_MS;
    let pruneAt = now();
    while (!signal.aborted) {
      // Between rounds, so a pass never holds rows a round is sending; a pass with more left comes
      // back next turn, after one round.
      if (now() >= pruneAt) {
        const pass = await prune({ budgetMs: 1_000 });
        pruneAt = pass?.more ? now() : now() + pruneEveryMs;
      }
      // The signal ends the round too: calls in flight are cancelled, what completed is settled, the
      // rest released due at once, so a SIGTERM is honoured within the host's grace period.
      await prepare();
      const round = await dispatcher.round({ signal }).catch((error: unknown) => {
        options.log('worker.round_failed', { error: String(error), next: 'retrying shortly' });
        return undefined;
      });
      if (round && round.claimed > 0)
        options.log('worker.round', {
          delivered: round.delivered,
          retrying: round.retrying,
          dead: round.dead,
        });
      if (round?.pausedUntil) await sleep(Math.max(0, round.pausedUntil - now()), signal);
      // A round that settled nothing for good (everything failed or was held) waits like an idle one,
      // instead of claiming the same due rows again at once.
      else if (!round || round.claimed === 0 || round.delivered + round.dead === 0)
        await sleep(idleMs, signal);
    }
    options.log('worker.stopped', { owner: dispatcher.owner });
  }

  return { dispatcher, drainSoon, deliverSoon, work, prune };
}
