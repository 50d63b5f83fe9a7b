import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startEmulator } from '../emulator/server.js';
import { migrateAppDatabase } from '../lib/app/migrations.js';
import { createKlaviyoClient } from '../lib/klaviyo-next/api/client.js';
import { OPERATIONS } from '../lib/klaviyo-next/api/generated/operations.js';
import { RateGovernor } from '../lib/klaviyo-next/api/governor.js';
import { eventBody, packJobs } from '../lib/klaviyo-next/api/resources/events.js';
import { toEventInput } from '../lib/klaviyo-next/outbox/deliver/events.js';
import { createDispatcher } from '../lib/klaviyo-next/outbox/dispatcher.js';
import { OutboxStore } from '../lib/klaviyo-next/outbox/store.js';
import type { OutboxMessage } from '../lib/klaviyo-next/outbox/types.js';
import { openSqlite } from '../lib/klaviyo-next/sql/sqlite.js';
import { orderEvents } from './lib/order-events.js';
import { report } from './lib/report.js';
import { type SkipClock, skipClock } from './lib/skip-clock.js';
import { round } from './lib/stats.js';

/**
 * `npm run bench -- delivery [MINUTES]`: orders a minute delivered to Klaviyo (Placed Order + 3
 * Ordered Product each) with the emulator enforcing the spec's published rate limits.
 *
 * ours      the outbox dispatcher draining a backlog bigger than the limits allow, in bulk jobs;
 * baseline  the seed-style delivery: one create_event call per event, paced by the same governor.
 * Both run for MINUTES whole minutes from a window boundary on one clock shared by the client, its
 * governor, the dispatcher and the emulator (whose fixed-window limiter reads it): real time with the
 * governor's waits skipped (lib/skip-clock.ts), so our own work costs what it really costs and a
 * minute of mostly waiting runs in seconds. What counts is what the emulator accepted inside those
 * minutes (its job records and its answers); a job sent after the last minute ended is not counted.
 */

const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / Math.max(1, xs.length);
const MINUTES = Number(process.argv[2] ?? 3);
const EVENTS_PER_ORDER = 4;
const START = Date.parse('2026-07-15T12:01:00Z'); // on a minute boundary, as Klaviyo's windows are

/** Events one bulk job carries: as many as our own packer puts in one (the spec's 1,000). */
function eventsPerJob(): number {
  const sample = Array.from({ length: 1_500 }, (_, i) => orderEvents(`J${i}`, `j${i}@example.com`)).flat();
  const jobs = packJobs(sample, (m) =>
    toEventInput((m as Extract<OutboxMessage, { kind: 'event' }>).payload),
  );
  return Math.max(...jobs.map((j) => j.items.flat().length));
}

// Each job holds 250 orders of 250 different shoppers either way; more shoppers than that only slow
// the emulator, which finds a profile by scanning all of them.
const SHOPPERS = 1_000;

const clientFor = (emulator: { url: string; account: { privateKey: string } }, clock: SkipClock) =>
  createKlaviyoClient({
    apiKey: emulator.account.privateKey,
    baseUrl: emulator.url,
    now: clock.now,
    sleep: clock.sleep,
    governor: new RateGovernor({ now: clock.now, sleep: clock.sleep }),
  });

async function ours(ordersNeeded: number) {
  const emulator = await startEmulator(); // rate limits on: the spec's x-klaviyo-ratelimit
  const dir = mkdtempSync(join(tmpdir(), 'bench-delivery-'));
  const db = openSqlite(join(dir, 'app.db'));
  await migrateAppDatabase(db);
  const store = new OutboxStore(db);
  const t0 = performance.now();
  for (let i = 0; i < ordersNeeded; i += 250) {
    const messages = Array.from({ length: Math.min(250, ordersNeeded - i) }, (_, j) =>
      orderEvents(`D${i + j}`, `shopper${(i + j) % SHOPPERS}@example.com`),
    ).flat();
    await db.transaction((tx) => store.enqueue(tx, messages, START));
  }
  const enqueueMs = performance.now() - t0;
  const clock = await skipClock(emulator.url, START); // the window opens once the backlog is in
  // Timed, because the claim's cost grows with the backlog (it sorts every due row).
  const claims: number[] = [];
  const claim = store.claim.bind(store);
  store.claim = async (...args) => {
    const started = performance.now();
    const records = await claim(...args);
    claims.push(performance.now() - started);
    return records;
  };
  const dispatcher = createDispatcher({ store, client: clientFor(emulator, clock), now: clock.now });
  const end = START + MINUTES * 60_000;
  const t1 = performance.now();
  while (clock.now() < end) {
    const r = await dispatcher.drain(end);
    if (r.pausedUntil) await clock.advanceTo(r.pausedUntil);
    else if (r.claimed === 0) throw new Error('the backlog ran out: the measurement would undercount');
  }
  const drainMs = performance.now() - t1;
  const account = [...emulator.emulator.accounts.values()][0];
  if (!account) throw new Error('the emulator has no account');
  // Accepted inside the window, by the emulator's own job records (created on its clock).
  const accepted = [...account.jobs.values()]
    .filter((j) => j.type === 'event-bulk-create-job' && j.createdMs < end)
    .reduce((sum, j) => sum + Number(j.attributes.total_count), 0);
  const jobs = [...account.jobs.values()].filter((j) => j.createdMs < end).length;
  const throttled = emulator.emulator.limiter.throttled;
  await db.close();
  rmSync(dir, { recursive: true, force: true }); // a few hundred MB of backlog
  await emulator.close();
  return { events: accepted, jobs, throttled, enqueueMs, drainMs, claims };
}

async function baseline() {
  const emulator = await startEmulator();
  const clock = await skipClock(emulator.url, START);
  const client = clientFor(emulator, clock);
  const end = START + MINUTES * 60_000;
  let accepted = 0;
  emulator.emulator.responseObservers.push((r) => {
    if (r.operationId === 'create_event' && r.status === 202 && clock.now() < end) accepted++;
  });
  const t1 = performance.now();
  // One call per event, each awaited, as the seed's per-order code did; HTTP takes no virtual time,
  // so running calls side by side would not raise the rate the limits allow.
  for (let i = 0; clock.now() < end; i++) {
    for (const m of orderEvents(`B${i}`, `shopper${i % SHOPPERS}@example.com`)) {
      if (m.kind !== 'event') continue;
      await client.call('create_event', { body: eventBody(toEventInput(m.payload)) });
      if (clock.now() >= end) break;
    }
  }
  const throttled = emulator.emulator.limiter.throttled;
  await emulator.close();
  return { events: accepted, throttled, ms: performance.now() - t1 };
}

const bulk = OPERATIONS.bulk_create_events.rateLimit;
const single = OPERATIONS.create_event.rateLimit;
const perJob = eventsPerJob();
const ceiling = (bulk.perMinute * perJob) / EVENTS_PER_ORDER; // steady limit binds: 150/min < 10/s x 60
const backlog = Math.ceil(ceiling * MINUTES * 1.02) + perJob; // more than the limits let through

const o = await ours(backlog);
const b = await baseline();
const oursRate = o.events / EVENTS_PER_ORDER / MINUTES;
const baseRate = b.events / EVENTS_PER_ORDER / MINUTES;
console.log(
  `ours: ${o.events} events in ${o.jobs} jobs in ${MINUTES} virtual min (${o.throttled} 429s; ` +
    `enqueue ${Math.round(o.enqueueMs)} ms, drain ${Math.round(o.drainMs)} ms real); ` +
    `baseline: ${b.events} events (${b.throttled} 429s; ${Math.round(b.ms)} ms real)`,
);

report({
  bench: 'delivery',
  unit: 'orders/min delivered (Placed Order + 3 Ordered Product)',
  ours: round(oursRate, 1),
  baseline: round(baseRate, 1),
  ratio: round(oursRate / baseRate, 1),
  limit: round(ceiling, 1),
  notes: [
    `${MINUTES} minutes from a window boundary on one clock shared by client, governor, dispatcher and emulator; counted at the emulator (events in bulk jobs it accepted, or create_event 202s, inside the window)`,
    `ours = ${round((oursRate / ceiling) * 100, 1)}% of the ceiling; ${o.throttled} 429s served to ours, ${b.throttled} to the baseline`,
    `limit = bulk_create_events ${bulk.perSecond}/s, ${bulk.perMinute}/min (lib/klaviyo-next/api/generated/operations.ts) x ${perJob} events a job (what packJobs puts in one) / ${EVENTS_PER_ORDER} events an order; the per-minute limit binds`,
    `baseline = one create_event per event (${single.perSecond}/s, ${single.perMinute}/min), the seed's per-order calls without its profile upsert/lookup/patch, which would bound it lower still (${OPERATIONS.create_or_update_profile.rateLimit.perMinute}/min profile-import)`,
    `only the governor's waits are skipped: our claims, packing, SQLite and the in-process emulator's checks cost real time, ${Math.round(o.drainMs / o.jobs)} ms a round on average (claim of 1000 from a ${backlog * EVENTS_PER_ORDER}-event SQLite backlog: mean ${Math.round(mean(o.claims))} ms, max ${Math.round(Math.max(...o.claims))} ms), so one worker could send ~${Math.round(60_000 / (o.drainMs / o.jobs))} jobs/min against the ${bulk.perMinute} allowed; network time to Klaviyo is not modelled`,
    `events only: the profile update placeOrder also enqueues per order goes through create_or_update_profile (${OPERATIONS.create_or_update_profile.rateLimit.perMinute}/min), which caps full checkout delivery at ${OPERATIONS.create_or_update_profile.rateLimit.perMinute} orders/min today`,
    `wall time: enqueue ${Math.round(o.enqueueMs / 1000)} s, ours ${Math.round(o.drainMs / 1000)} s, baseline ${Math.round(b.ms / 1000)} s`,
  ].join('; '),
});
