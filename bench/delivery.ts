import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startEmulator } from '../emulator/server.js';
import type { Account, EventInput, ProfileInput } from '../emulator/store/account.js';
import { migrateAppDatabase } from '../lib/app/migrations.js';
import { createKlaviyoClient } from '../lib/klaviyo-next/api/client.js';
import { OPERATIONS } from '../lib/klaviyo-next/api/generated/operations.js';
import { RateGovernor, reservedWindow } from '../lib/klaviyo-next/api/governor.js';
import { createKlaviyo } from '../lib/klaviyo-next/api/index.js';
import { packJobs } from '../lib/klaviyo-next/api/resources/events.js';
import { EVENTS_SETTLE_MS, toEventInput } from '../lib/klaviyo-next/outbox/deliver/events.js';
import { createDispatcher } from '../lib/klaviyo-next/outbox/dispatcher.js';
import { OutboxStore } from '../lib/klaviyo-next/outbox/store.js';
import type { OutboxMessage } from '../lib/klaviyo-next/outbox/types.js';
import { openSqlite } from '../lib/klaviyo-next/sql/sqlite.js';
import { orderEvents, orderLine, wholeOrder } from './lib/order-events.js';
import { report } from './lib/report.js';
import { seedStyleWholeOrder } from './lib/seed-style.js';
import { type SkipClock, skipClock } from './lib/skip-clock.js';
import { round } from './lib/stats.js';

/**
 * `npm run bench -- delivery [MINUTES]`: whole orders a minute delivered to Klaviyo, with the emulator
 * enforcing the spec's published rate limits. A whole order is Placed Order, 3 Ordered Product, the
 * checkout's profile write (order count, last order, address) and, on one order in five, the email
 * consent given at checkout: an order counts once every one of its parts was accepted at the emulator.
 *
 * ours      the outbox dispatcher draining a backlog bigger than the limits allow: events in bulk jobs
 *           with each order's profile write riding in its entry, consent in bulk subscribe jobs;
 * baseline  the seed-style checkout calls for the same whole orders (bench/lib/seed-style.ts: upsert the
 *           profile, look it up, patch its properties, one create_event per event, one subscribe call),
 *           paced by the same governor.
 * Both run for MINUTES whole minutes from a window boundary on one clock shared by the client, its
 * governor, the dispatcher and the emulator (whose fixed-window limiter reads it): real time with the
 * governor's waits skipped (lib/skip-clock.ts), so our own work costs what it really costs and a
 * minute of mostly waiting runs in seconds. What counts is when the emulator accepted each part (a
 * job's parts when the job was accepted, however late it runs); anything accepted after the last
 * minute ended is not counted.
 */

const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / Math.max(1, xs.length);
const MINUTES = Number(process.argv[2] ?? 3);
const EVENTS_PER_ORDER = 4;
/** One order in five carries email consent (the workload). */
const CONSENT_EVERY = 5;
const START = Date.parse('2026-07-15T12:01:00Z'); // on a minute boundary, as Klaviyo's windows are

/** Events one bulk job carries: as many as our own packer puts in one (the spec's 1,000). */
function eventsPerJob(): number {
  const sample = Array.from({ length: 1_500 }, (_, i) => orderEvents(`J${i}`, `j${i}@example.com`)).flat();
  const jobs = packJobs(sample, (m) =>
    toEventInput((m as Extract<OutboxMessage, { kind: 'event' }>).payload),
  );
  return Math.max(...jobs.map((j) => j.items.flat().length));
}

const clientOptions = (emulator: { url: string; account: { privateKey: string } }, clock: SkipClock) => ({
  apiKey: emulator.account.privateKey,
  baseUrl: emulator.url,
  now: clock.now,
  sleep: clock.sleep,
  governor: new RateGovernor({ now: clock.now, sleep: clock.sleep }),
});

/** When the emulator accepted each part of each order (its clock), read off its own records. */
interface Parts {
  events: Map<string, number>;
  profile?: number;
  consent?: number;
}

/**
 * Watches an emulator account: an event or profile write applied by a job counts as accepted when the
 * job was (its createdMs), one applied by a single call when it was made; a consent when its subscribe
 * call was accepted (the account's log). Orders are told apart by their OrderId property and the
 * profile write's 'NW Last Order ID'.
 */
function watchAcceptance(account: Account, orderOfEmail: Map<string, string>) {
  const parts = new Map<string, Parts>();
  const of = (orderId: string) => {
    let p = parts.get(orderId);
    if (!p) {
      p = { events: new Map() };
      parts.set(orderId, p);
    }
    return p;
  };
  let jobAcceptedMs: number | undefined;
  const at = () => jobAcceptedMs ?? account.now();
  const addJob = account.addJob.bind(account);
  account.addJob = (type, total, run, relationships) => {
    const job = addJob(
      type,
      total,
      (j) => {
        jobAcceptedMs = job.createdMs;
        try {
          run(j);
        } finally {
          jobAcceptedMs = undefined;
        }
      },
      relationships,
    );
    return job;
  };
  const recordEvent = account.recordEvent.bind(account);
  account.recordEvent = (input: EventInput) => {
    const orderId = input.properties.OrderId;
    if (typeof orderId === 'string' && input.uniqueId) {
      const events = of(orderId).events;
      if (!events.has(input.uniqueId)) events.set(input.uniqueId, at());
    }
    return recordEvent(input);
  };
  const applyProfile = account.applyProfile.bind(account);
  account.applyProfile = (profile, input: ProfileInput, options) => {
    const orderId = (input.attributes?.properties as Record<string, unknown> | undefined)?.[
      'NW Last Order ID'
    ];
    if (typeof orderId === 'string') {
      const p = of(orderId);
      p.profile = Math.min(p.profile ?? Number.POSITIVE_INFINITY, at());
    }
    return applyProfile(profile, input, options);
  };
  return {
    parts,
    /** Consents from the account's log of accepted subscribe calls. */
    readConsents() {
      for (const entry of account.log) {
        if (entry.operation !== 'bulk_subscribe_profiles') continue;
        for (const profile of (entry.payload.profiles?.data ?? []) as { attributes: { email?: string } }[]) {
          const orderId = orderOfEmail.get(profile.attributes.email ?? '');
          if (!orderId) continue;
          const p = of(orderId);
          p.consent = Math.min(p.consent ?? Number.POSITIVE_INFINITY, entry.atMs);
        }
      }
    },
  };
}

/** Orders every part of which was accepted before `end`. */
function wholeBefore(
  parts: Map<string, Parts>,
  orders: { orderId: string; consent: boolean }[],
  end: number,
) {
  let whole = 0;
  let events = 0;
  let profiles = 0;
  let consents = 0;
  for (const o of orders) {
    const p = parts.get(o.orderId);
    if (!p) continue;
    const e = [...p.events.values()].filter((t) => t < end).length;
    events += e;
    const profile = p.profile !== undefined && p.profile < end;
    const consent = p.consent !== undefined && p.consent < end;
    if (profile) profiles++;
    if (consent) consents++;
    if (e === EVENTS_PER_ORDER && profile && (!o.consent || consent)) whole++;
  }
  return { whole, events, profiles, consents };
}

async function ours(ordersNeeded: number) {
  const emulator = await startEmulator(); // rate limits on: the spec's x-klaviyo-ratelimit
  const account = [...emulator.emulator.accounts.values()][0];
  if (!account) throw new Error('the emulator has no account');
  const dir = mkdtempSync(join(tmpdir(), 'bench-delivery-'));
  const db = openSqlite(join(dir, 'app.db'));
  await migrateAppDatabase(db);
  const store = new OutboxStore(db);
  // A sale: every order a different shopper (each person's writes wait on their own fences only).
  const orders = Array.from({ length: ordersNeeded }, (_, i) =>
    wholeOrder(`D${i}`, `shopper${i}@example.com`, i % CONSENT_EVERY === 0),
  );
  const watch = watchAcceptance(account, new Map(orders.map((o) => [o.email, o.orderId])));
  const t0 = performance.now();
  for (let i = 0; i < orders.length; i += 250) {
    const messages = orders.slice(i, i + 250).flatMap((o) => o.messages);
    await db.transaction((tx) => store.enqueue(tx, messages, START));
  }
  const enqueueMs = performance.now() - t0;
  const clock = await skipClock(emulator.url, START); // the window opens once the backlog is in
  // Timed, because the claim's cost grows with the backlog (it sorts every due row).
  const claims: number[] = [];
  const claimedEvents: number[] = [];
  const claim = store.claim.bind(store);
  store.claim = async (...args) => {
    const started = performance.now();
    const records = await claim(...args);
    claims.push(performance.now() - started);
    claimedEvents.push(records.filter((r) => r.kind === 'event').length);
    return records;
  };
  const client = createKlaviyoClient(clientOptions(emulator, clock));
  // The dispatcher's own claim: one bulk job's worth of events a round (batchSize 1,000), with the
  // profile writes and consents of the same orders beside them.
  const dispatcher = createDispatcher({ store, client, now: clock.now });
  const end = START + MINUTES * 60_000;
  const t1 = performance.now();
  let rounds = 0;
  while (clock.now() < end) {
    const r = await dispatcher.drain(end);
    rounds++;
    if (r.pausedUntil) await clock.advanceTo(r.pausedUntil);
    else if (r.claimed === 0) {
      // A drain keeps its last second to settle in (the dispatcher's margin before a deadline).
      if (end - clock.now() <= 1_000) break;
      throw new Error(
        `nothing claimable ${Math.round((end - clock.now()) / 1000)} s before the end: the measurement would undercount`,
      );
    }
  }
  const drainMs = performance.now() - t1;
  account.runQueuedJobs(); // jobs accepted in the window, not yet run: their parts count by acceptance
  watch.readConsents();
  const counted = wholeBefore(watch.parts, orders, end);
  const requests = Object.fromEntries(emulator.emulator.requestCounts);
  const jobs = [...account.jobs.values()].filter(
    (j) => j.type === 'event-bulk-create-job' && j.createdMs < end,
  ).length;
  const throttled = emulator.emulator.limiter.throttled;
  await db.close();
  rmSync(dir, { recursive: true, force: true }); // a few hundred MB of backlog
  await emulator.close();
  return { ...counted, jobs, throttled, enqueueMs, drainMs, claims, claimedEvents, rounds, requests };
}

async function baseline() {
  const emulator = await startEmulator();
  const clock = await skipClock(emulator.url, START);
  const klaviyo = createKlaviyo(clientOptions(emulator, clock));
  const end = START + MINUTES * 60_000;
  let whole = 0;
  const t1 = performance.now();
  // Each order's calls awaited in turn, as the seed's checkout made them; HTTP takes no virtual time,
  // so running orders side by side would not raise the rate the limits allow.
  for (let i = 0; clock.now() < end; i++) {
    const order = {
      orderId: `B${i}`,
      currency: 'USD',
      placedAt: '2026-07-15T12:00:00Z',
      customer: { email: `seed${i}@example.com` },
      lines: [orderLine(1), orderLine(2), orderLine(3)],
      discountCents: 0,
      shippingCents: 0,
      taxCents: 0,
      totalCents: 6000,
    };
    await seedStyleWholeOrder(klaviyo, order, i % CONSENT_EVERY === 0);
    if (clock.now() < end) whole++;
  }
  const throttled = emulator.emulator.limiter.throttled;
  await emulator.close();
  return { whole, throttled, ms: performance.now() - t1 };
}

const bulk = OPERATIONS.bulk_create_events.rateLimit;
const perJob = eventsPerJob();
const ceiling = (bulk.perMinute * perJob) / EVENTS_PER_ORDER; // events only: 150 jobs/min x 1,000 / 4
const governed = reservedWindow(bulk.perMinute, 60_000, 0).limit; // what our governor lets through
const backlog = Math.ceil(ceiling * MINUTES * 1.05) + 250; // more than the limits let through

const o = await ours(backlog);
const b = await baseline();
const oursRate = o.whole / MINUTES;
const baseRate = b.whole / MINUTES;
const seedBound = Math.min(
  ...(['create_or_update_profile', 'get_profiles', 'update_profile'] as const).map(
    (op) => reservedWindow(OPERATIONS[op].rateLimit.perMinute, 60_000, 0).limit,
  ),
);
console.log(
  `ours: ${o.whole} whole orders (${o.events} events in ${o.jobs} jobs, ${o.profiles} profile writes, ${o.consents} consents) ` +
    `in ${MINUTES} virtual min, ${o.rounds} drains (${o.throttled} 429s; enqueue ${Math.round(o.enqueueMs)} ms, drain ${Math.round(o.drainMs)} ms real); ` +
    `requests ${JSON.stringify(o.requests)}; baseline: ${b.whole} whole orders (${b.throttled} 429s; ${Math.round(b.ms)} ms real)`,
);

report({
  bench: 'delivery',
  unit: 'whole orders/min delivered (Placed Order + 3 Ordered Product + profile write; email consent on 1 in 5)',
  ours: round(oursRate, 1),
  baseline: round(baseRate, 1),
  ratio: round(oursRate / baseRate, 1),
  limit: round(ceiling, 1),
  notes: [
    `${MINUTES} minutes from a window boundary on one clock shared by client, governor, dispatcher and emulator; counted at the emulator: an order counts when its 4 events, its profile write and (1 in 5) its consent were all accepted inside the window (a job's parts when the job was accepted)`,
    `ours = ${round((oursRate / ceiling) * 100, 1)}% of the events-only ceiling; ${o.throttled} 429s served to ours, ${b.throttled} to the baseline`,
    `limit = the events-only ceiling: bulk_create_events ${bulk.perSecond}/s, ${bulk.perMinute}/min (lib/klaviyo-next/api/generated/operations.ts) x ${perJob} events a job / ${EVENTS_PER_ORDER} events an order; our governor keeps back a tenth of each window (${governed} jobs/min), so ours can reach at most ${round((governed * perJob) / EVENTS_PER_ORDER, 0)}`,
    `the profile write rides in its order's bulk entry (no call of its own); consent goes in bulk_subscribe_profiles jobs (${OPERATIONS.bulk_subscribe_profiles.rateLimit.perMinute}/min, up to 1,000 each); each person's next write waits out a ${EVENTS_SETTLE_MS / 1000} s settle window, so consents of the last ${EVENTS_SETTLE_MS / 1000} s of orders fall outside the window`,
    `baseline = the seed-style calls per whole order (upsert, look up, patch, 4 create_event, subscribe on 1 in 5), bound by the profile calls at ${seedBound}/min after the governor's tenth`,
    `every order a different shopper; a round claims at most one events job's worth (${Math.round(mean(o.claimedEvents))} events a round on average) with the writes and consents beside them; our claims, packing, SQLite and the in-process emulator's checks cost real time: claim mean ${Math.round(mean(o.claims))} ms, max ${Math.round(Math.max(...o.claims))} ms; network time to Klaviyo is not modelled`,
    `wall time: enqueue ${Math.round(o.enqueueMs / 1000)} s, ours ${Math.round(o.drainMs / 1000)} s, baseline ${Math.round(b.ms / 1000)} s`,
  ].join('; '),
});
