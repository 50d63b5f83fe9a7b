import 'server-only';
import type { MeterProvider } from '@opentelemetry/api';
import type { Log } from '../log';
import type { OutboxStore } from '../outbox/store';
import type { SqlDatabase } from '../sql/types';
import { type AlertHook, type AlertSettings, alertWatcher } from './alerts';
import { healthRoutes, readinessAnswer } from './health-routes';
import { DEFAULT_STALE_AFTER_MS, roundWatch } from './liveness';
import { outboxMetrics } from './metrics';
import { startProbeServer } from './probe-server';
import { checkReadiness } from './readiness';
import type { RoundFacts } from './round-report';

export type { AlertHook, AlertSettings, KlaviyoAlert } from './alerts';
export { METER_NAME, METRIC } from './metrics';
export type { ProbeServer } from './probe-server';
export type { Readiness } from './readiness';

export interface WorkerProbeOptions {
  /** WORKER_HEALTH_PORT; 0 picks a free one. */
  port: number;
  host?: string;
  /** Aborted when the worker is asked to stop: /readyz answers 503 `stopping` from then on. */
  stopping: AbortSignal;
  /** /healthz answers 503 once no round has ended for this long (outside a pause). */
  staleAfterMs?: number;
  /**
   * True while the process waits to start its loop (for the database, or for the migrations): it is
   * alive, /healthz answers 200 `starting`, and /readyz says what it waits for.
   */
  starting?: () => boolean;
}

/**
 * Everything an operator watches, for one plugin instance: the app's health routes, the worker's
 * probe server, OpenTelemetry metrics and the alert hook, all fed by the dispatcher's onRound.
 */
export function createOps(options: {
  db: SqlDatabase;
  outbox: OutboxStore;
  now: () => number;
  log: Log;
  onAlert?: AlertHook;
  alerts: AlertSettings;
  meterProvider?: MeterProvider;
}) {
  const { now, log } = options;
  const stats = () => options.outbox.stats();
  const metrics = outboxMetrics({ stats, now, log, meterProvider: options.meterProvider });
  const alerts = alertWatcher({ onAlert: options.onAlert, settings: options.alerts, stats, now, log });
  const watch = roundWatch(now);
  // The driver's own words (a host, a user) go to the log, never into an answer.
  const readiness = () =>
    checkReadiness(options.db, {
      onError: (check, error) => log('ops.not_ready', { check, error: String(error) }),
    });

  return {
    /** The dispatcher's onRound: metrics, alerts and the worker's liveness, each on its own. */
    onRound(round: RoundFacts): void {
      for (const hook of [metrics.onRound, alerts.onRound, watch.onRound]) {
        try {
          hook(round);
        } catch (error) {
          log('ops.on_round_failed', { error: String(error) });
        }
      }
    },
    routes: healthRoutes(readiness),
    readiness,
    /** The worker's liveness: whether its loop turns. */
    liveness: (staleAfterMs = DEFAULT_STALE_AFTER_MS) => watch.liveness(staleAfterMs),
    /** Starts the worker's /healthz and /readyz server. */
    serveProbes: (probe: WorkerProbeOptions) => {
      let loopFrom: number | undefined;
      const live = () => {
        if (probe.starting?.()) return { status: 200 as const, body: { status: 'starting' } };
        loopFrom ??= now();
        return watch.liveness(probe.staleAfterMs, loopFrom);
      };
      return startProbeServer({
        port: probe.port,
        ...(probe.host ? { host: probe.host } : {}),
        live,
        ready: async () => readinessAnswer(probe.stopping.aborted ? 'stopping' : await readiness()),
      });
    },
    /** Stops the metrics' backlog reads (a test, or a host that rebuilds its instance). */
    close: () => metrics.close(),
  };
}
