/**
 * A delivery worker as a host runs one: `createKlaviyoNext(...).work(signal)` over Postgres, stopped by
 * SIGTERM. Run by tests/integration/outbox-shutdown.test.ts as a real child process
 * (`node --conditions=react-server --import tsx tests/support/outbox-worker-process.ts`), so the test
 * sees what an orchestrator sees: the signal, the exit code and how long the exit took.
 *
 * Environment: OUTBOX_WORKER_DATABASE_URL and OUTBOX_WORKER_SCHEMA (the test's migrated schema), and
 * the plugin's own KLAVIYO_* variables. Prints `[outbox-worker] <owner> started` once working and
 * `[outbox-worker] stopped` after work() returned.
 */
import { createKlaviyoNext } from '../../lib/klaviyo-next/index.js';
import { openPostgres } from '../../lib/klaviyo-next/sql/postgres.js';

const url = process.env.OUTBOX_WORKER_DATABASE_URL;
const schema = process.env.OUTBOX_WORKER_SCHEMA;
if (!url || !schema) throw new Error('OUTBOX_WORKER_DATABASE_URL and OUTBOX_WORKER_SCHEMA are required');

const stop = new AbortController();
process.on('SIGTERM', () => {
  console.log('[outbox-worker] SIGTERM');
  stop.abort();
});

const db = openPostgres(url, { schema, max: 4 });
const klaviyo = createKlaviyoNext({ env: process.env, sql: db, log: () => undefined });
console.log(`[outbox-worker] ${klaviyo.dispatcher.owner} started`);
await klaviyo.work(stop.signal, 50);
console.log('[outbox-worker] stopped');
await klaviyo.ops?.close?.();
await db.close();
process.exit(0);
