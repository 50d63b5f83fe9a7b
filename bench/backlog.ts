import { cpus, loadavg } from 'node:os';
import pg from 'pg';
import { migrateAppDatabase } from '../lib/app/migrations.js';
import { OutboxStore } from '../lib/klaviyo-next/outbox/store.js';
import { laneOf, orderKeyOf } from '../lib/klaviyo-next/outbox/types.js';
import { raw, type SqlDatabase } from '../lib/klaviyo-next/sql/index.js';
import { openPostgres } from '../lib/klaviyo-next/sql/postgres.js';
import { restock } from './lib/checkout-load.js';
import { checkoutDeps, measureAdded, noOutbox } from './lib/checkout-pairs.js';
import { orderEvents } from './lib/order-events.js';
import { startEmulatorProcess, startTsx } from './lib/processes.js';
import { report } from './lib/report.js';
import { percentile, round } from './lib/stats.js';

/**
 * `npm run bench -- backlog [EVENTS] [PAIRS]`: a sale-day backlog of EVENTS (default 1,000,000) order
 * events in a Postgres outbox (the production backend), and
 *   1. checkout's added p99 with that backlog present, against an empty outbox: two schemas, one empty
 *      and one holding the backlog, the store's own placeOrder with and without the outbox in each,
 *      order by order in rotation (bench/lib/checkout-pairs.ts, as bench/checkout.ts measures it);
 *   2. the dispatcher draining the backlog, alone in a process of its own (bench/lib/backlog-drain.ts)
 *      against the emulator in another: its peak RSS (limit 200 MB, issue 12) and every claim's time,
 *      the first claims (the whole backlog waiting) against the last (only a tail waiting, the table
 *      as large): flat, since a claim reads an index, not the backlog. It drains the head for
 *      BACKLOG_DRAIN_SECONDS (default 60), then the middle is marked delivered in SQL, as other workers
 *      would have delivered it, and it drains the last 20,000: a million events through one process
 *      on this machine would take many minutes, and draining them all would tell nothing more.
 * The backlog is written by the database itself (INSERT ... SELECT over generate_series from the
 * plugin's own messages for one order, the order id and shopper substituted), with each key's hash
 * in klaviyo_outbox_keys as enqueue writes it: seconds, not the minutes a million enqueues would take.
 */

const EVENTS = Number(process.argv[2] ?? 1_000_000);
const PAIRS = Number(process.argv[3] ?? 750);
const LIMIT_MB = 200; // issue 12
/** Real seconds the dispatcher drains the head of the backlog before the middle is skipped. */
const DRAIN_SECONDS = Number(process.env.BACKLOG_DRAIN_SECONDS ?? 60);
const SHOPPERS = 1_000; // the emulator finds a profile by scanning them: more only slow it
const url = process.env.TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';

async function freshSchema(name: string): Promise<SqlDatabase> {
  const db = openPostgres(url, { schema: name, max: 4 });
  await db.query(raw(`CREATE SCHEMA ${name}`));
  await migrateAppDatabase(db); // the deploy step
  await restock(db, 1_000_000);
  return db;
}

const count = async (db: SqlDatabase, where: string) =>
  Number(
    (await db.query<{ n: number }>(raw(`SELECT COUNT(*) AS n FROM klaviyo_outbox WHERE ${where}`)))[0]?.n,
  );

/**
 * EVENTS order events (4 an order), due now, as the store's enqueue would have written them, on a
 * connection of its own (pg directly: one statement a chunk, its SQL built here).
 */
async function writeBacklog(schema: string): Promise<number> {
  const orders = Math.ceil(EVENTS / 4);
  const now = Date.now();
  const templates = orderEvents('TPLORDER', 'tplshopper@example.com', new Date(now).toISOString());
  const params = templates.flatMap((m, i) => [
    i,
    m.kind,
    m.key,
    orderKeyOf(m),
    laneOf(m),
    JSON.stringify(m.payload),
  ]);
  const values = templates
    .map(
      (_, k) =>
        `($${k * 6 + 1}::int, $${k * 6 + 2}, $${k * 6 + 3}, $${k * 6 + 4}, $${k * 6 + 5}::smallint, $${k * 6 + 6})`,
    )
    .join(', ');
  const client = new pg.Client({ connectionString: url, options: `-c search_path=${schema}` });
  await client.connect();
  try {
    for (let from = 1; from <= orders; from += 50_000) {
      const to = Math.min(orders, from + 50_000 - 1);
      const id = `'BL' || g`;
      const email = `'shopper' || (g % ${SHOPPERS}) || '@example.com'`;
      const rows = `SELECT t.kind, replace(t.key, 'TPLORDER', ${id}) AS key, t.order_key, t.lane,
          replace(replace(t.payload, 'TPLORDER', ${id}), 'tplshopper@example.com', ${email}) AS payload
        FROM generate_series(${from}, ${to}) g CROSS JOIN (VALUES ${values}) AS t(i, kind, key, order_key, lane, payload)
        ORDER BY g, t.i`;
      await client.query('BEGIN');
      await client.query(
        `INSERT INTO klaviyo_outbox_keys (key_hash, created_at)
         SELECT encode(sha256(convert_to(key, 'UTF8')), 'hex'), ${now} FROM (${rows}) r`,
        params,
      );
      await client.query(
        `INSERT INTO klaviyo_outbox (kind, dedup_key, order_key, lane, payload, state, attempts, available_at, created_at, updated_at)
         SELECT kind, key, order_key, lane, payload, 'pending', 0, ${now}, ${now}, ${now} FROM (${rows}) r`,
        params,
      );
      await client.query('COMMIT');
    }
    // What autovacuum does after a bulk load; the claim's plan reads the statistics.
    await client.query('ANALYZE klaviyo_outbox');
    await client.query('ANALYZE klaviyo_outbox_keys');
    const { rows } = await client.query<{ n: string }>(
      `SELECT COUNT(*) AS n FROM klaviyo_outbox WHERE state = 'pending'`,
    );
    return Number(rows[0]?.n);
  } finally {
    await client.end();
  }
}

const EMPTY = `bench_backlog_empty_${process.pid}`;
const FULL = `bench_backlog_full_${process.pid}`;
const empty = await freshSchema(EMPTY);
const full = await freshSchema(FULL);
const schemas = [empty, full];
try {
  const t0 = performance.now();
  const backlog = await writeBacklog(FULL);
  const writeMs = performance.now() - t0;
  const probe = new OutboxStore(full);
  // The hash the SQL wrote for a key is the one the store computes: dedup holds over the backlog.
  const again = await full.transaction((tx) =>
    probe.enqueue(tx, orderEvents('BL1', 'shopper1@example.com', new Date().toISOString())),
  );
  if (again !== 0) throw new Error('the backlog written in SQL is not deduplicated as enqueue writes it');
  console.log(`backlog: ${backlog} events written in ${Math.round(writeMs / 1000)} s`);

  // The enqueue inside the order's transaction is the only work that differs between the two ways,
  // and the only part a backlog could slow (a bigger index to insert into): timed on its own too.
  const enqueueMs = { empty: [] as number[], backlog: [] as number[] };
  const timed = (db: SqlDatabase, into: number[]) => {
    const store = new OutboxStore(db);
    return {
      enqueue: async (...args: Parameters<OutboxStore['enqueue']>) => {
        const started = performance.now();
        const n = await store.enqueue(...args);
        into.push(performance.now() - started);
        return n;
      },
    };
  };
  const added = await measureAdded(
    [
      {
        name: 'empty',
        bare: checkoutDeps(empty, noOutbox),
        plugin: checkoutDeps(empty, timed(empty, enqueueMs.empty)),
      },
      {
        name: 'backlog',
        bare: checkoutDeps(full, noOutbox),
        plugin: checkoutDeps(full, timed(full, enqueueMs.backlog)),
      },
    ],
    PAIRS,
  );
  // The warm-up's enqueues are not counted, as its orders are not.
  const measured = (xs: number[]) => xs.slice(Math.max(0, xs.length - PAIRS));
  const enqueue = {
    empty: {
      p50: percentile(measured(enqueueMs.empty), 0.5),
      p99: percentile(measured(enqueueMs.empty), 0.99),
    },
    backlog: {
      p50: percentile(measured(enqueueMs.backlog), 0.5),
      p99: percentile(measured(enqueueMs.backlog), 0.99),
    },
  };
  const a = added.get('empty');
  const b = added.get('backlog');
  if (!a || !b) throw new Error('checkout was not measured');
  console.log(`checkout added p99: empty outbox ${round(a.p99)} ms, with the backlog ${round(b.p99)} ms`);

  const emulator = await startEmulatorProcess();
  let drained: {
    beforeMb: number;
    peakMb: number;
    drainMs: number;
    skipped: number;
    headClaims: number;
    claims: { ms: number; rows: number; waiting: number }[];
    claimed: number;
    delivered: number;
    retrying: number;
    dead: number;
    throttled: number;
  };
  try {
    const drain = startTsx('bench/lib/backlog-drain.ts', [], {
      PATH: process.env.PATH ?? '',
      HOME: process.env.HOME ?? '',
      NODE_ENV: 'production',
      BACKLOG_DRAIN_SECONDS: String(DRAIN_SECONDS),
      BACKLOG_DATABASE_URL: url,
      BACKLOG_SCHEMA: FULL,
      BACKLOG_EMULATOR_URL: emulator.url,
      BACKLOG_PRIVATE_KEY: emulator.privateKey,
    });
    const code = await drain.exited;
    const last = drain.output().trim().split('\n').at(-1) ?? '';
    if (code !== 0) throw new Error(`the drain exited ${code}:\n${drain.output().slice(-5_000)}`);
    drained = JSON.parse(last);
  } finally {
    emulator.stop();
    await emulator.exited;
  }
  const left = await count(full, `state IN ('pending', 'retrying')`);
  const delivered = await count(full, `state = 'delivered'`);
  // The first claims, on the whole backlog, against the last full ones (the final, partial claim
  // reads what is left) on the same table with only the tail waiting.
  const head = drained.claims.slice(0, drained.headClaims).filter((c) => c.rows > 0);
  const tail = drained.claims.slice(drained.headClaims).filter((c) => c.rows >= 1000);
  const n = Math.max(1, Math.min(10, head.length, tail.length));
  const first = head.slice(0, n);
  const last = tail.slice(-n);
  const median = (xs: number[]) => percentile(xs, 0.5);
  const ratio = b.p99 / Math.max(a.p99, 0.01);

  report({
    bench: 'backlog',
    unit: 'MB peak RSS of the dispatcher draining the backlog',
    ours: round(drained.peakMb, 1),
    baseline: round(drained.beforeMb, 1),
    ratio: round(drained.peakMb / drained.beforeMb, 2),
    limit: LIMIT_MB,
    events: backlog,
    claimFirstMs: round(median(first.map((c) => c.ms)), 1),
    claimLastMs: round(median(last.map((c) => c.ms)), 1),
    claimGrowth: round(median(last.map((c) => c.ms)) / median(first.map((c) => c.ms)), 2),
    checkoutAddedP99EmptyMs: round(a.p99),
    checkoutAddedP99WithBacklogMs: round(b.p99),
    checkoutAddedP99Ratio: round(ratio, 2),
    enqueueP99EmptyMs: round(enqueue.empty.p99),
    enqueueP99WithBacklogMs: round(enqueue.backlog.p99),
    notes: [
      `Postgres, ${backlog} order events (4 an order, ${SHOPPERS} shoppers) written in ${Math.round(writeMs / 1000)} s by INSERT ... SELECT from the plugin's own messages for one order, key hashes included (an enqueue of one of them again was a no-op), then ANALYZE`,
      `ours = the drain process's peak RSS (ru_maxrss) over the whole drain; baseline = its peak before the first claim (imports, pool, client); limit ${LIMIT_MB} MB (issue 12)`,
      `the drain process delivered ${drained.delivered} (${drained.retrying} retrying, ${drained.dead} dead, ${drained.throttled} 429s) in ${Math.round(drained.drainMs / 1000)} s, rate-limit waits skipped on a clock shared with the emulator; after ${drained.headClaims} claims from the head of the backlog, ${drained.skipped} messages in the middle were marked delivered in SQL (as other workers would have delivered them) so the run takes minutes, and the last ${drained.claims.length - drained.headClaims} claims drained the tail; ${delivered} delivered and ${left} waiting in the outbox afterwards`,
      `claim time, median of ${n}: the first claims ${round(median(first.map((c) => c.ms)), 1)} ms with ${first[0]?.waiting ?? 0} waiting; the last full ones ${round(median(last.map((c) => c.ms)), 1)} ms with ${last[0]?.waiting ?? 0} waiting (the table still holding ${backlog} rows); all ${drained.claims.length} claims: max ${round(Math.max(...drained.claims.map((c) => c.ms)), 1)} ms`,
      `checkout (placeOrder with its 4 events enqueued vs without, ${PAIRS} each way per schema, alternating, median of ${a.blocks.length} blocks' p99 differences): added p99 ${round(a.p99)} ms with an empty outbox (blocks ${a.blocks.map((x) => round(x, 2)).join(', ')}), ${round(b.p99)} ms with the backlog (blocks ${b.blocks.map((x) => round(x, 2)).join(', ')}); p99s bare/plugin: empty ${round(a.bareP99, 2)}/${round(a.pluginP99, 2)} ms, backlog ${round(b.bareP99, 2)}/${round(b.pluginP99, 2)} ms`,
      `the enqueue itself (4 events, inside the order's transaction): p50 ${round(enqueue.empty.p50)} ms, p99 ${round(enqueue.empty.p99)} ms into an empty outbox; p50 ${round(enqueue.backlog.p50)} ms, p99 ${round(enqueue.backlog.p99)} ms into the backlog`,
      `load average ${loadavg()[0]?.toFixed(1)} on ${cpus().length} CPUs at the end (the p99 differences are at the mercy of what else the machine runs)`,
    ].join('; '),
  });
} finally {
  await empty.query(raw(`DROP SCHEMA IF EXISTS ${EMPTY} CASCADE`));
  await full.query(raw(`DROP SCHEMA IF EXISTS ${FULL} CASCADE`));
  await Promise.all(schemas.map((db) => db.close()));
}
