import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sql from 'sql-template-tag';
import { describe, expect, it } from 'vitest';
import { seededRandom } from '../../emulator/seed/random.js';
import { migrateAppDatabase } from '../../lib/app/migrations.js';
import { OutboxStore } from '../../lib/klaviyo-next/outbox/store.js';
import { openSqlite } from '../../lib/klaviyo-next/sql/sqlite.js';
import type { SqlDatabase } from '../../lib/klaviyo-next/sql/types.js';
import { dropPostgres, freshPostgres } from '../support/databases.js';
import { startTestEmulator, type TestEmulator } from '../support/emulator.js';
import { enqueueOrders } from '../support/order-events.js';
import { describeWithPostgres, TEST_DATABASE_URL } from '../support/requirements.js';
import { startWorker, type WorkerProcess } from '../support/worker-process.js';

/**
 * The acceptance test for durability: `npm run worker` killed with SIGKILL at random moments, at least
 * twenty times, while it drains 20,000 events; after a last restart Klaviyo (the emulator, counted at
 * its inspection endpoint) holds every event exactly once. Re-sends after a crash are expected, and
 * Klaviyo's unique_id dedup must absorb them: they show up as suppressed, never as a second event.
 */

const ORDERS = 5_000; // x (Placed Order + 3 Ordered Product) = 20,000 events
const EVENTS = ORDERS * 4;
const RANDOM_KILLS = 20;
// Every few workers one is killed the instant Klaviyo accepts its job, before the 202 reaches it: the
// one window where a crash must cause a re-send, so the dedup path is exercised in every run.
const TARGETED_EVERY = 5;
// A bulk job answers after this long (a real one takes a few hundred ms), which makes a round slow
// enough that twenty short lives do not finish the backlog before the twentieth kill. The workers
// together deliver about one job's worth per JOB_LATENCY_MS and the kill phase lasts 15-20 s: at
// 700 ms a quiet machine sometimes drained all 20,000 events before it ended; at 2 s some 15,000 remain.
const JOB_LATENCY_MS = 2_000;
const MAX_LIFE_MS = 1_000;
// Workers started ahead of the one about to be killed.
const AHEAD = 2;

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * What the dead worker's five-minute lease would do if the test waited it out: its claimed,
 * undelivered messages become claimable again. Only the dead owner's rows are touched.
 */
async function expireLeases(db: SqlDatabase, owner: string): Promise<number> {
  const rows = await db.query(sql`UPDATE klaviyo_outbox SET lease_until = 0
     WHERE lease_owner = ${owner} AND state IN ('pending', 'retrying') RETURNING id`);
  return rows.length;
}

/**
 * Kills a worker from inside the emulator the instant one of its jobs is queued, before the 202 is
 * sent. Each worker has its own private key, so the hook knows whose job it is even while others run.
 */
function armJobKill(emu: TestEmulator) {
  const original = emu.emulator.handlers.bulk_create_events;
  if (!original) throw new Error('the emulator has no bulk_create_events handler');
  const armed = new Map<string, WorkerProcess>();
  const hook = { kills: 0, arm: (key: string, worker: WorkerProcess) => void armed.set(key, worker) };
  emu.emulator.register({
    bulk_create_events: async (ctx) => {
      const reply = await original(ctx);
      const key = /^Klaviyo-API-Key (\S+)$/.exec(String(ctx.headers.authorization))?.[1] ?? '';
      const worker = armed.get(key);
      if (worker && reply.status === 202) {
        worker.kill();
        armed.delete(key);
        hook.kills++;
      }
      return reply;
    },
  });
  return hook;
}

interface Backend {
  open(): Promise<SqlDatabase>;
  close(db: SqlDatabase): Promise<void>;
  /** The worker's variables that point it at the same database. */
  env(db: SqlDatabase): Record<string, string>;
}

async function crashAndRecover(backend: Backend, seed: number) {
  const t0 = performance.now();
  const emu = await startTestEmulator(); // the spec's published rate limits are enforced
  const db = await backend.open();
  const store = new OutboxStore(db);
  // Seeded, so a failing run's kill schedule can be replayed (timing allowing).
  const random = seededRandom(seed).next;
  const spawned: WorkerProcess[] = [];
  // Events Klaviyo accepted one call at a time (a tail under the bulk threshold), counted as answered.
  let acceptedSingly = 0;
  emu.emulator.responseObservers.push((r) => {
    if (r.operationId === 'create_event' && r.status === 202) acceptedSingly++;
  });
  try {
    const expected = await enqueueOrders(db, store, ORDERS, 'K');
    expect(new Set(expected).size).toBe(EVENTS);
    await emu.setFaults({ latencyMs: JOB_LATENCY_MS, operations: ['bulk_create_events'] });
    const jobKill = armJobKill(emu);
    const spawn = () => {
      const privateKey = emu.emulator.addKey(emu.account.id);
      const worker = startWorker({
        ...backend.env(db),
        KLAVIYO_API_URL: emu.url,
        KLAVIYO_PRIVATE_KEY: privateKey,
        NEXT_PUBLIC_KLAVIYO_COMPANY_ID: emu.account.publicKey,
      });
      spawned.push(worker);
      return Object.assign(worker, { privateKey });
    };

    const kills: { mode: 'random' | 'on-accept'; lifeMs: number; leftAfter: number }[] = [];
    let randomKills = 0;
    // Start-up (~1 s of tsx and module loading) is most of a worker's short life, so the next ones
    // load while the current one drains; once started they drain beside it, as several workers may.
    const queue = [spawn()];
    for (let n = 1; randomKills < RANDOM_KILLS; n++) {
      while (queue.length < 1 + AHEAD) queue.push(spawn());
      const worker = queue.shift() as ReturnType<typeof spawn>;
      const owner = await worker.started;
      const born = performance.now();
      const targeted = n % TARGETED_EVERY === 0;
      if (targeted) {
        jobKill.arm(worker.privateKey, worker);
        // If it never sent a job (nothing left to claim), it is killed like the others.
        await Promise.race([worker.exited, sleep(5_000)]);
      } else {
        await sleep(random() * MAX_LIFE_MS);
      }
      worker.kill();
      expect(await worker.exited).toBe('SIGKILL');
      await expireLeases(db, owner);
      const left = EVENTS - (await store.counts()).delivered;
      kills.push({
        mode: targeted ? 'on-accept' : 'random',
        lifeMs: Math.round(performance.now() - born),
        leftAfter: left,
      });
      if (!targeted) randomKills++;
      // A kill only counts as "while draining" if work was still outstanding when it landed.
      expect(left, `kill ${n} came after the backlog was already delivered`).toBeGreaterThan(0);
    }
    const killPhaseMs = performance.now() - t0;
    await emu.clearFaults(); // slow jobs were for the kill phase; the restart drains at full speed

    // The restart that finishes the job (with the workers still starting, as after a redeploy).
    const [last, ...others] = queue;
    if (!last) throw new Error('no worker left to finish the drain');
    await last.started;
    const deadline = Date.now() + 40_000;
    while ((await store.counts()).delivered < EVENTS && Date.now() < deadline) await sleep(200);
    // Stopped once started: a worker still loading has no SIGTERM handler yet and would just die.
    for (const w of others) await w.started;
    for (const w of [last, ...others]) w.stop();
    for (const w of [last, ...others]) expect(await w.exited, w.output()).toBe(0);

    // Ground truth: what the emulator recorded.
    await emu.settle();
    const inspected = await emu.inspect('?events=full');
    const ids: string[] = inspected.events.map((e: { uniqueId: string }) => e.uniqueId);
    const seen = new Map<string, number>();
    for (const id of ids) seen.set(id, (seen.get(id) ?? 0) + 1);
    const missing = expected.filter((id) => !seen.has(id));
    const twice = [...seen].filter(([, n]) => n > 1).map(([id]) => id);
    expect(missing, 'events lost').toEqual([]);
    expect(twice, 'events recorded more than once').toEqual([]);
    expect(ids).toHaveLength(EVENTS);
    expect(inspected.counts.events).toBe(EVENTS);

    // Every re-send after a crash was absorbed by unique_id dedup, and every event Klaviyo accepted
    // is accounted for: recorded once, or suppressed as a repeat of one recorded.
    const expectedIds = new Set(expected);
    const suppressed = inspected.suppressed as { uniqueId: string; reason: string }[];
    expect(suppressed.every((s) => s.reason === 'duplicate_unique_id' && expectedIds.has(s.uniqueId))).toBe(
      true,
    );
    const acceptedInJobs = (inspected.jobs as { type: string; total_count: number }[])
      .filter((j) => j.type === 'event-bulk-create-job')
      .reduce((sum, j) => sum + j.total_count, 0);
    expect(acceptedInJobs + acceptedSingly).toBe(EVENTS + suppressed.length);
    if (jobKill.kills > 0) expect(suppressed.length).toBeGreaterThan(0);

    expect(await store.counts()).toEqual({ pending: 0, retrying: 0, delivered: EVENTS, dead: 0 });
    expect(emu.specViolations).toEqual([]);

    console.info(
      `[crash] seed ${seed}: ${kills.length} kills (${randomKills} random, ${jobKill.kills} on accept) in ${Math.round(killPhaseMs)} ms; ` +
        `${acceptedInJobs + acceptedSingly} events accepted for ${EVENTS} recorded, ${suppressed.length} suppressed as duplicates, ` +
        `${inspected.throttled} 429s; total ${Math.round(performance.now() - t0)} ms\n` +
        kills.map((k, i) => `  #${i + 1} ${k.mode} after ${k.lifeMs} ms, ${k.leftAfter} left`).join('\n'),
    );
  } finally {
    // A failed assertion must not leave workers running.
    for (const w of spawned) w.kill();
    await Promise.all(spawned.map((w) => w.exited));
    await backend.close(db);
    await emu.close();
  }
}

/** A fresh, migrated SQLite file the worker can open too, in a directory removed on close. */
function sqliteBackend(): Backend {
  const dir = mkdtempSync(join(tmpdir(), 'outbox-crash-'));
  const path = join(dir, 'app.db');
  return {
    open: async () => {
      const db = openSqlite(path);
      await migrateAppDatabase(db);
      return db;
    },
    close: async (db) => {
      await db.close();
      rmSync(dir, { recursive: true, force: true });
    },
    env: () => ({ OUTBOX_SQLITE_PATH: path }),
  };
}

const seed = Number(process.env.CRASH_SEED ?? Date.now() % 1_000_000);

describe('a worker killed with SIGKILL while draining 20,000 events', () => {
  it('loses nothing and duplicates nothing on SQLite', { timeout: 120_000 }, async () => {
    await crashAndRecover(sqliteBackend(), seed);
  });
});

describeWithPostgres('Postgres', () => {
  it('loses nothing and duplicates nothing on Postgres', { timeout: 120_000 }, async () => {
    await crashAndRecover(
      {
        open: freshPostgres,
        close: (db) => dropPostgres(db as SqlDatabase & { schema: string }),
        // lib/env.ts takes only DATABASE_URL; libpq's `options` puts the worker in the test's schema.
        env: (db) => {
          const url = new URL(TEST_DATABASE_URL);
          url.searchParams.set(
            'options',
            `-c search_path=${(db as SqlDatabase & { schema: string }).schema}`,
          );
          return { DATABASE_URL: url.toString() };
        },
      },
      seed,
    );
  });
});
