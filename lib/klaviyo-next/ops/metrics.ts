import 'server-only';
import {
  type BatchObservableCallback,
  type MeterProvider,
  metrics,
  type Observable,
  ValueType,
} from '@opentelemetry/api';
import type { Log } from '../log';
import type { OutboxStats } from '../outbox/store';
import { deadLettered, failureOf, type RoundFacts } from './round-report';

/** The instrumentation scope every instrument below is created under. */
export const METER_NAME = 'klaviyo-next';

/** The instruments' names, for hosts building dashboards and alerts on them. */
export const METRIC = {
  backlog: 'klaviyo.outbox.backlog',
  oldestPendingAge: 'klaviyo.outbox.oldest_pending.age',
  delivered: 'klaviyo.outbox.delivered',
  deadLetters: 'klaviyo.outbox.dead_letters',
  throttled: 'klaviyo.api.throttled',
  roundDuration: 'klaviyo.outbox.round.duration',
  rounds: 'klaviyo.outbox.rounds',
} as const;

// Rounds run from milliseconds (one bulk call) to the round target and the lease (minutes).
const ROUND_SECONDS = [0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 15, 30, 60, 120, 300];

export interface OutboxMetrics {
  /** Counts one round (the dispatcher's onRound). */
  onRound(round: RoundFacts): void;
  /** Stops reading the backlog (the observable gauges' callback); the counters simply stop moving. */
  close(): void;
}

/**
 * The outbox's metrics through the OpenTelemetry API, the way Next.js hosts export telemetry: the API
 * is a no-op until the host registers an SDK (`@vercel/otel`'s `registerOTel` or the Node SDK in
 * `instrumentation.ts`), so a host that does nothing pays nothing. Instruments:
 * - `klaviyo.outbox.backlog` (gauge, by `klaviyo.outbox.state`: pending, retrying, dead) and
 *   `klaviyo.outbox.oldest_pending.age` (gauge, seconds), read from `stats()` (indexed queries) when
 *   the SDK collects, not per round. Every process on one database reports the same backlog: take
 *   the max (or last) across instances, not the sum;
 * - `klaviyo.outbox.delivered` and `klaviyo.outbox.dead_letters` (counters, messages): per minute is
 *   the backend's rate;
 * - `klaviyo.api.throttled` (counter): 429s Klaviyo answered;
 * - `klaviyo.outbox.round.duration` (histogram, seconds) of rounds that claimed something, and
 *   `klaviyo.outbox.rounds` (counter, by `klaviyo.outbox.round.outcome`: sent, idle, paused, and
 *   the failures database, key_refused, klaviyo_unavailable).
 */
export function outboxMetrics(options: {
  stats: () => Promise<OutboxStats>;
  now: () => number;
  log: Log;
  meterProvider?: MeterProvider;
}): OutboxMetrics {
  const meter = (options.meterProvider ?? metrics.getMeterProvider()).getMeter(METER_NAME);
  const backlog = meter.createObservableGauge(METRIC.backlog, {
    description: 'Messages in the outbox not yet delivered, by state (dead: kept until replayed).',
    unit: '{message}',
    valueType: ValueType.INT,
  });
  const oldestPendingAge = meter.createObservableGauge(METRIC.oldestPendingAge, {
    description: 'Age of the oldest message waiting to be delivered (0 when none waits).',
    unit: 's',
  });
  const count = (name: string, description: string, unit: string) =>
    meter.createCounter(name, { description, unit, valueType: ValueType.INT });
  const delivered = count(METRIC.delivered, 'Messages Klaviyo accepted.', '{message}');
  const deadLetters = count(
    METRIC.deadLetters,
    'Messages Klaviyo refused for good, kept as dead letters for replay.',
    '{message}',
  );
  const throttled = count(
    METRIC.throttled,
    'Requests Klaviyo answered with 429 (rate limited).',
    '{response}',
  );
  const roundDuration = meter.createHistogram(METRIC.roundDuration, {
    description: 'How long a delivery round that claimed messages took.',
    unit: 's',
    advice: { explicitBucketBoundaries: ROUND_SECONDS },
  });
  const rounds = count(METRIC.rounds, 'Delivery rounds, by outcome.', '{round}');

  const observables: Observable[] = [backlog, oldestPendingAge];
  const observe: BatchObservableCallback = async (result) => {
    let stats: OutboxStats;
    try {
      stats = await options.stats();
    } catch (error) {
      // No reading this time (the database is down): readiness says so; the gauges skip a point.
      options.log('ops.metrics_read_failed', { error: String(error) });
      return;
    }
    for (const state of ['pending', 'retrying', 'dead'] as const)
      result.observe(backlog, stats.counts[state], { 'klaviyo.outbox.state': state });
    const age = stats.oldestPendingAt === null ? 0 : (options.now() - stats.oldestPendingAt) / 1000;
    result.observe(oldestPendingAge, Math.max(0, age));
  };
  meter.addBatchObservableCallback(observe, observables);

  return {
    onRound(round) {
      if (round.delivered > 0) delivered.add(round.delivered);
      const dead = deadLettered(round);
      if (dead > 0) deadLetters.add(dead);
      if (round.throttled) throttled.add(round.throttled);
      const failure = failureOf(round);
      const outcome =
        failure ??
        (round.pausedUntil !== undefined && round.claimed === 0
          ? 'paused'
          : round.claimed > 0
            ? 'sent'
            : 'idle');
      rounds.add(1, { 'klaviyo.outbox.round.outcome': outcome });
      // Idle rounds (a worker looks every second) would bury the rounds that did something.
      if (round.claimed > 0 && round.durationMs !== undefined) roundDuration.record(round.durationMs / 1000);
    },
    close() {
      meter.removeBatchObservableCallback(observe, observables);
    },
  };
}
