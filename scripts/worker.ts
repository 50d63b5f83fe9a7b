/**
 * `npm run worker`: a long-running delivery process beside the app (several may run; Postgres leases
 * keep them apart). It needs only the database settings, the plugin's own variables and its own
 * (WORKER_*), and the store's consent sink, which applies the consent changes Klaviyo reported by
 * webhook (the app's route stores them; this loop applies what its after() did not or could not).
 *
 * With WORKER_HEALTH_PORT set it serves `/healthz` (the delivery loop turns) and `/readyz` (database
 * and migrations). On SIGTERM (or SIGINT) it stops taking work: `/readyz` answers 503 `stopping`, the
 * round in flight is ended (what completed is settled, the rest released for another worker), and
 * the process exits once `work()` has returned. If that takes longer than
 * WORKER_SHUTDOWN_GRACE_SECONDS it exits anyway (code 1), before the orchestrator's SIGKILL; killed
 * mid-round it still loses nothing (its lease expires and another round sends the batch again, which
 * Klaviyo dedups). A second signal exits at once.
 */
import sql from 'sql-template-tag';
import { openAppDatabase } from '../lib/app/database';
import { lazyDatabase } from '../lib/app/lazy-database';
import { pluginSettingsSource, workerEnv } from '../lib/env';
import { createKlaviyoNext } from '../lib/klaviyo-next';
import { consoleLog } from '../lib/klaviyo-next/log';
import { storeConsentSink } from '../lib/store/customer-consent-sink';

const IDLE_MS = 1_000;
const settings = workerEnv();
const stop = new AbortController();

function onSignal(signal: NodeJS.Signals) {
  if (stop.signal.aborted) {
    console.error(`[worker] ${signal} again: exiting now`);
    process.exit(1);
  }
  console.log(`[worker] ${signal}: stopping (at most ${settings.worker.shutdownGraceMs / 1000} s)`);
  stop.abort();
  // A last resort: a round that does not end (a call that ignores its abort) must not outlive the
  // grace period, after which the orchestrator would SIGKILL without a word in the log.
  setTimeout(() => {
    console.error('[worker] still stopping after the grace period: exiting; unfinished rows are retried');
    process.exit(1);
  }, settings.worker.shutdownGraceMs).unref();
}
for (const signal of ['SIGTERM', 'SIGINT'] as const) process.on(signal, onSignal);

const db = lazyDatabase(settings.database.databaseUrl ? 'postgres' : 'sqlite', () =>
  openAppDatabase(settings.database),
);
const klaviyo = createKlaviyoNext({
  env: pluginSettingsSource(),
  sql: db,
  // No pager in the demo: an alert is a log line a log search can page on.
  onAlert: (alert) => consoleLog('klaviyo.alert', { ...alert }),
  // No secret here: the worker receives nothing, it applies what the webhook route stored.
  webhooks: { onConsentChange: storeConsentSink({ db, now: Date.now, log: consoleLog }) },
});
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

const { healthPort, healthHost, staleAfterMs } = settings.worker;
let starting = true;
const probes =
  healthPort === undefined
    ? undefined
    : await klaviyo.ops.serveProbes({
        port: healthPort,
        ...(healthHost ? { host: healthHost } : {}),
        stopping: stop.signal,
        staleAfterMs,
        starting: () => starting,
      });
if (probes) console.log(`[worker] probes on port ${probes.port}: /healthz /readyz`);

// A worker started during a database outage (or before the deploy step has migrated it) waits for
// the database instead of exiting; /healthz says starting meanwhile, /readyz what it waits for.
for (;;) {
  try {
    await db.query(sql`SELECT 1`);
    break;
  } catch (error) {
    if (stop.signal.aborted) {
      await probes?.close();
      process.exit(0);
    }
    console.error('[worker] cannot open the outbox yet; retrying shortly', error);
    await sleep(IDLE_MS);
  }
}
starting = false;
console.log(`[worker] ${klaviyo.dispatcher.owner} started`);
await klaviyo.work(stop.signal, IDLE_MS);
console.log('[worker] stopped');
await probes?.close();
klaviyo.ops.close();
await db.close();
process.exit(0);
