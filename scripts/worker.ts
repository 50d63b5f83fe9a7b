/**
 * `npm run worker`: a long-running delivery process beside the app (several may run; Postgres leases
 * keep them apart). It needs only the database settings and the plugin's own variables: nothing of the
 * store's or the admin's. On SIGTERM it finishes its round and exits; killed mid-round it loses
 * nothing (its lease expires and another round sends the batch again, which Klaviyo dedups).
 */
import sql from 'sql-template-tag';
import { openAppDatabase } from '../lib/app/database';
import { lazyDatabase } from '../lib/app/lazy-database';
import { pluginSettingsSource, workerEnv } from '../lib/env';
import { createKlaviyoNext } from '../lib/klaviyo-next';

const IDLE_MS = 1_000;
const settings = workerEnv();
const stop = new AbortController();
for (const signal of ['SIGTERM', 'SIGINT'] as const) process.on(signal, () => stop.abort());

const db = lazyDatabase(settings.database.databaseUrl ? 'postgres' : 'sqlite', () =>
  openAppDatabase(settings.database),
);
const klaviyo = createKlaviyoNext({ env: pluginSettingsSource(), sql: db });
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

// A worker started during a database outage waits for the database instead of exiting.
for (;;) {
  try {
    await db.query(sql`SELECT 1`);
    break;
  } catch (error) {
    if (stop.signal.aborted) process.exit(0);
    console.error('[worker] cannot open the outbox yet; retrying shortly', error);
    await sleep(IDLE_MS);
  }
}
console.log(`[worker] ${klaviyo.dispatcher.owner} started`);
await klaviyo.work(stop.signal, IDLE_MS);
console.log('[worker] stopped');
await db.close();
process.exit(0);
