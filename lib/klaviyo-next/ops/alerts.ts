import 'server-only';
import type { Log } from '../log';
import type { OutboxStats } from '../outbox/store';
import { deadLettered, failureOf, type RoundFacts, type RoundFailure } from './round-report';

/**
 * What `createKlaviyoNext({ onAlert })` is told, each with a sentence for a pager (`message`) and the
 * time on this host's clock (`at`). None carries a key, a connection string or a shopper's data.
 * - `dead_lettered`: a round dead-lettered messages (Klaviyo refused them for good; replay them from
 *   the dashboard once the cause is fixed);
 * - `throttled`: Klaviyo answered 429 (`throttled` times in the round), waited out by the client or
 *   pausing delivery until `pausedUntil`; told once until a round sends without a 429 again;
 * - `rounds_failing`: `consecutive` rounds in a row failed for `cause` (told once, when they reach
 *   the threshold): `key_refused` (401/403: the private key was revoked or lacks a scope; nothing is
 *   delivered until it is fixed), `klaviyo_unavailable` (5xx, timeouts), `database`;
 * - `backlog_stale`: the oldest message waiting is older than the threshold;
 * - `recovered`: what a `rounds_failing` or `backlog_stale` said is over.
 */
export type KlaviyoAlert =
  | { kind: 'dead_lettered'; at: number; message: string; count: number }
  | { kind: 'throttled'; at: number; message: string; throttled: number; pausedUntil?: number }
  | {
      kind: 'rounds_failing';
      at: number;
      message: string;
      cause: RoundFailure;
      consecutive: number;
      status?: number;
      code?: string;
    }
  | {
      kind: 'backlog_stale';
      at: number;
      message: string;
      oldestPendingAgeMs: number;
      thresholdMs: number;
      waiting: number;
    }
  | { kind: 'recovered'; at: number; message: string; from: 'rounds_failing' | 'backlog_stale' };

export type AlertHook = (alert: KlaviyoAlert) => void | Promise<void>;

export interface AlertSettings {
  /** Rounds that claimed messages and failed in a row before `rounds_failing` (OUTBOX_ALERT_FAILED_ROUNDS). */
  failedRounds: number;
  /** Age of the oldest waiting message that raises `backlog_stale` (OUTBOX_ALERT_PENDING_MINUTES). */
  pendingAgeMs: number;
  /** How often the backlog's age is read, at most (one indexed query). */
  checkBacklogEveryMs?: number;
}

const CAUSE_TEXT: Record<RoundFailure, string> = {
  key_refused:
    'Klaviyo refused the private API key (401/403): nothing is delivered until KLAVIYO_PRIVATE_KEY is a valid key with the scopes the plugin needs',
  klaviyo_unavailable:
    'Klaviyo is failing (server errors or timeouts): messages wait in the outbox and are retried',
  database: 'the outbox database is failing: rounds cannot claim or settle messages',
};

/**
 * Turns delivery rounds into alerts for the host's hook. One watcher per plugin instance; every
 * process (app instances, workers) has its own, so a host's alerting should group by `kind`. The
 * hook's failures (thrown or rejected) are logged and never reach delivery.
 */
export function alertWatcher(options: {
  onAlert?: AlertHook;
  settings: AlertSettings;
  stats: () => Promise<OutboxStats>;
  now: () => number;
  log: Log;
}) {
  const { settings, now } = options;
  const checkEveryMs = settings.checkBacklogEveryMs ?? 60_000;
  // `told`: this cause was alerted; `episodeTold`: some cause of this run of failures was.
  let failing: { cause: RoundFailure; consecutive: number; told: boolean; episodeTold: boolean } | undefined;
  let stale = false;
  let throttling = false;
  let nextBacklogCheck = 0;
  let checking = false;

  function tell(alert: KlaviyoAlert) {
    if (!options.onAlert) return;
    try {
      Promise.resolve(options.onAlert(alert)).catch((error: unknown) =>
        options.log('ops.alert_hook_failed', { kind: alert.kind, error: String(error) }),
      );
    } catch (error) {
      options.log('ops.alert_hook_failed', { kind: alert.kind, error: String(error) });
    }
  }

  function watchFailures(round: RoundFacts) {
    const failure = failureOf(round);
    if (failure) {
      failing =
        failing?.cause === failure
          ? { ...failing, consecutive: failing.consecutive + 1 }
          : { cause: failure, consecutive: 1, told: false, episodeTold: failing?.episodeTold ?? false };
      if (failing.consecutive >= settings.failedRounds && !failing.told) {
        failing.told = true;
        failing.episodeTold = true;
        tell({
          kind: 'rounds_failing',
          at: now(),
          message: `${failing.consecutive} delivery rounds in a row failed: ${CAUSE_TEXT[failure]}.`,
          cause: failure,
          consecutive: failing.consecutive,
          ...(round.stoppedBy ? { status: round.stoppedBy.status, code: round.stoppedBy.code } : {}),
        });
      }
      return;
    }
    // Only a round that sent something and was not stopped shows the failure is over; an idle round
    // (every message waiting for its retry) or a paused one proves nothing.
    if (round.claimed === 0 || round.stoppedBy) return;
    if (failing?.episodeTold)
      tell({
        kind: 'recovered',
        at: now(),
        message: 'Delivery rounds succeed again.',
        from: 'rounds_failing',
      });
    failing = undefined;
  }

  function watchThrottle(round: RoundFacts) {
    // The governor keeps steady load under Klaviyo's limits, so any 429 is news; a storm of them is
    // one piece of news, over once a round sends without one.
    if (round.throttled) {
      if (throttling) return;
      throttling = true;
      const waits =
        round.pausedUntil === undefined
          ? 'the client waited out its Retry-After'
          : 'delivery pauses as its Retry-After asks';
      tell({
        kind: 'throttled',
        at: now(),
        message: `Klaviyo answered 429 (rate limited) ${round.throttled} time(s) in a round; ${waits}. Another process or integration may share the account's limits.`,
        throttled: round.throttled,
        ...(round.pausedUntil === undefined ? {} : { pausedUntil: round.pausedUntil }),
      });
    } else if (round.claimed > 0 && round.pausedUntil === undefined) throttling = false;
  }

  async function checkBacklog() {
    const at = now();
    if (checking || at < nextBacklogCheck) return;
    checking = true;
    nextBacklogCheck = at + checkEveryMs;
    try {
      const stats = await options.stats();
      const ageMs = stats.oldestPendingAt === null ? 0 : now() - stats.oldestPendingAt;
      if (ageMs > settings.pendingAgeMs && !stale) {
        stale = true;
        const minutes = Math.round(ageMs / 60_000);
        tell({
          kind: 'backlog_stale',
          at: now(),
          message: `The oldest message waiting for delivery is ${minutes} minute(s) old (threshold ${Math.round(settings.pendingAgeMs / 60_000)}); ${stats.counts.pending + stats.counts.retrying} are waiting.`,
          oldestPendingAgeMs: ageMs,
          thresholdMs: settings.pendingAgeMs,
          waiting: stats.counts.pending + stats.counts.retrying,
        });
      } else if (ageMs <= settings.pendingAgeMs && stale) {
        stale = false;
        tell({
          kind: 'recovered',
          at: now(),
          message: 'The backlog is moving again.',
          from: 'backlog_stale',
        });
      }
    } catch (error) {
      // The database is down: rounds_failing (database) says so.
      options.log('ops.backlog_check_failed', { error: String(error) });
    } finally {
      checking = false;
    }
  }

  return {
    /** Reads one round (the dispatcher's onRound); never throws. */
    onRound(round: RoundFacts): void {
      if (!options.onAlert) return;
      const dead = deadLettered(round);
      if (dead > 0)
        tell({
          kind: 'dead_lettered',
          at: now(),
          message: `${dead} message(s) were refused by Klaviyo for good and kept as dead letters; see the dashboard's delivery page to replay them.`,
          count: dead,
        });
      watchThrottle(round);
      watchFailures(round);
      void checkBacklog();
    },
  };
}
