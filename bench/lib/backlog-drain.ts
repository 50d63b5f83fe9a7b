import sql from 'sql-template-tag';
import { createKlaviyoClient } from '../../lib/klaviyo-next/api/client.js';
import { RateGovernor } from '../../lib/klaviyo-next/api/governor.js';
import { createDispatcher } from '../../lib/klaviyo-next/outbox/dispatcher.js';
import { OutboxStore } from '../../lib/klaviyo-next/outbox/store.js';
import { openPostgres } from '../../lib/klaviyo-next/sql/postgres.js';
import { skipClock } from './skip-clock.js';

/**
 * The backlog bench's dispatcher, alone in its process so its peak RSS is the dispatcher's own (the
 * emulator and the bench run elsewhere). It drains the outbox in BACKLOG_SCHEMA for
 * BACKLOG_DRAIN_SECONDS, marks all but the last BACKLOG_TAIL waiting messages delivered (as other
 * workers would have delivered them), drains that tail, and prints one JSON line: the peak RSS before
 * the first claim and after the last (the kernel's high-water mark, ru_maxrss), every claim's duration
 * with how many messages were waiting, and what was delivered. Rate-limit waits are skipped on a
 * clock shared with the emulator (skip-clock.ts), as in the delivery bench: everything else (claims,
 * packing, the emulator's checks, the settle) costs real time.
 */
const env = (name: string) => {
  const value = process.env[name];
  if (!value) throw new Error(`backlog-drain: ${name} is not set`);
  return value;
};

const peakMb = () => process.resourceUsage().maxRSS / 1024;
const db = openPostgres(env('BACKLOG_DATABASE_URL'), { schema: env('BACKLOG_SCHEMA'), max: 2 });
const store = new OutboxStore(db);
const clock = await skipClock(env('BACKLOG_EMULATOR_URL'), Date.now());
const client = createKlaviyoClient({
  apiKey: env('BACKLOG_PRIVATE_KEY'),
  baseUrl: env('BACKLOG_EMULATOR_URL'),
  now: clock.now,
  sleep: clock.sleep,
  governor: new RateGovernor({ now: clock.now, sleep: clock.sleep }),
});

const waitingNow = async () =>
  Number(
    (
      await db.query<{ n: number }>(
        sql`SELECT COUNT(*) AS n FROM klaviyo_outbox WHERE state IN ('pending', 'retrying')`,
      )
    )[0]?.n,
  );

// Every claim, with about how many messages were waiting when it ran.
const claims: { ms: number; rows: number; waiting: number }[] = [];
let waiting = await waitingNow();
const claim = store.claim.bind(store);
store.claim = async (...args) => {
  const started = performance.now();
  const records = await claim(...args);
  claims.push({ ms: performance.now() - started, rows: records.length, waiting });
  waiting -= records.length;
  return records;
};

const budgetMs = Number(process.env.BACKLOG_DRAIN_SECONDS ?? 120) * 1000;
const tail = Number(process.env.BACKLOG_TAIL ?? 20_000);
const dispatcher = createDispatcher({ store, client, now: clock.now });
const total = { claimed: 0, delivered: 0, retrying: 0, dead: 0, throttled: 0 };

/** Drains until nothing is due or `signal` aborts. */
async function drainAll(signal?: AbortSignal): Promise<void> {
  while (!signal?.aborted) {
    const r = await dispatcher.drain(Number.POSITIVE_INFINITY, signal);
    for (const k of Object.keys(total) as (keyof typeof total)[]) total[k] += r[k];
    if (r.pausedUntil) await clock.advanceTo(r.pausedUntil);
    else if (r.claimed === 0) break;
  }
}

// Connected before the first figure, so it counts the process as it stands ready to work.
const before = peakMb();
const started = performance.now();
// The head of the backlog, for BACKLOG_DRAIN_SECONDS of real time.
await drainAll(AbortSignal.timeout(budgetMs));
// Then all but the last BACKLOG_TAIL waiting messages are marked delivered, as other workers would
// have delivered them (a million events at this rate would take many minutes), and the tail is
// drained: the last claims run on the same table, a million rows, with few of them waiting.
// (Counted in SQL: a RETURNING row each would bring hundreds of thousands of rows into this process.)
const [skipped] = await db.query<{ n: number }>(
  sql`WITH done AS (
        UPDATE klaviyo_outbox SET state = 'delivered', delivered_at = ${Date.now()}, updated_at = ${Date.now()}
        WHERE state = 'pending' AND lease_owner IS NULL AND id < (
          SELECT id FROM klaviyo_outbox WHERE state = 'pending' ORDER BY id DESC OFFSET ${tail} LIMIT 1)
        RETURNING 1)
      SELECT COUNT(*) AS n FROM done`,
);
waiting = await waitingNow();
const headClaims = claims.length;
await drainAll();
const drainMs = performance.now() - started;
await db.close();
console.log(
  JSON.stringify({
    beforeMb: before,
    peakMb: peakMb(),
    drainMs,
    skipped: Number(skipped?.n ?? 0),
    headClaims,
    claims,
    ...total,
  }),
);
