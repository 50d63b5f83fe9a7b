import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { existsSync, readdirSync, writeFileSync } from 'node:fs';
import { cpus, totalmem } from 'node:os';
import { join } from 'node:path';
import type { BenchResult } from './lib/report.js';

/**
 * `npm run bench -- NAME [ARGS]` runs bench/NAME.ts. `npm run bench` with no name runs every bench,
 * each in a child process of its own, one after another (so one's memory, JIT and open handles do
 * not colour the next's figures), and writes bench/REPORT.md: each bench's JSON line and what bounds
 * each figure. Benchmarks are never part of `npm test`; each prints, as its last line, one JSON object:
 * {bench, unit, ours, baseline, ratio, limit, notes} (bench/lib/report.ts), with extra figures beside.
 */

/** The order of a full run: the quick, quiet ones first; `scale` and `backlog` load the machine most. */
const ORDER = ['checkout', 'client', 'delivery', 'track', 'backlog', 'scale'];

interface Bound {
  /** What the figure is held to, and where that number comes from. */
  bound: string;
  /** Whether the result meets it (undefined: nothing to hold it to). */
  met?: (r: BenchResult) => boolean;
}

const num = (r: BenchResult, field: string) =>
  typeof r[field] === 'number' ? (r[field] as number) : Number.NaN;

/** Each bench's bound. A bench not listed here is reported with its line alone. */
const BOUNDS: Record<string, Bound> = {
  checkout: {
    bound:
      "`ours` (ms the outbox adds to placeOrder at p99) at most `limit` = 2 ms: the budget the checkout issue set for what Klaviyo may add to a shopper's wait (bench/checkout.ts, LIMIT_MS). `baseline` is the seed-style checkout that awaits four Klaviyo calls (80 ms each at the emulator); `ratio` = baseline / ours.",
    met: (r) => r.limit !== null && r.ours <= r.limit,
  },
  client: {
    bound:
      "`ours` (bytes of first-load JavaScript, gzipped, that <KlaviyoProvider> adds to a page) at most `limit` = 2,048: the 2 KB budget the storefront-tracking issue set (bench/client.ts, LIMIT). `baseline` is Klaviyo's documented pre-load snippet inlined in the page.",
    met: (r) => r.limit !== null && r.ours <= r.limit,
  },
  delivery: {
    bound:
      "`limit` is the events-only ceiling in whole orders a minute: bulk_create_events' published per-minute limit (the spec's x-klaviyo-ratelimit, lib/klaviyo-next/api/generated/operations.ts) x the events one job carries / the events of an order. Goal (issue 12): `ours` at least 80% of `limit`, and `ratio` (ours / the seed-style per-order calls) at least 40.",
    met: (r) => r.limit !== null && r.ours >= 0.8 * r.limit && r.ratio >= 40,
  },
  track: {
    bound:
      "`ratio` = requests a second of POST /api/klaviyo/track / those of a bare Next.js route handler answering 202, in the same `next start` server and run; goal (issue 12) at least 0.8. `oursP99Ms` and `bareP99Ms` are the two routes' p99 latencies under the same load. No absolute limit: both figures depend on the machine.",
    met: (r) => r.ratio >= num(r, 'goal'),
  },
  backlog: {
    bound:
      "`ours` = the dispatcher's peak RSS in MB while it drains an outbox of 1,000,000 events on Postgres, at most `limit` = 200 MB (issue 12). Also held (issue 12): claim time flat from the first claims to the last (`claimGrowth` = the last claims' median, a tail of 10,000-20,000 waiting, over the first claims', 1,000,000 waiting, on the same table; taken as flat between 0.5 and 2, where a claim whose cost followed the backlog would read about 0.01), and checkout's added p99 with the backlog present within 10% of an empty outbox's (`checkoutAddedP99Ratio` at most 1.1, or within 0.1 ms where both are a fraction of a millisecond).",
    met: (r) =>
      r.limit !== null &&
      r.ours <= r.limit &&
      num(r, 'claimGrowth') >= 0.5 &&
      num(r, 'claimGrowth') <= 2 &&
      (num(r, 'checkoutAddedP99Ratio') <= 1.1 ||
        num(r, 'checkoutAddedP99WithBacklogMs') - num(r, 'checkoutAddedP99EmptyMs') <= 0.1),
  },
  scale: {
    bound:
      '`limit` is the events-only ceiling in whole orders a minute (as for delivery); `ours` the orders a minute at 4 worker processes on one Postgres outbox. Goal (issue 12): at least 80% of `limit` at 1, 2 and 4 workers, 0 lost, 0 duplicated, and `throttled` (429s served in steady state, counted at the emulator) 0.',
    met: (r) => r.limit !== null && r.ours >= 0.8 * r.limit && num(r, 'throttled') === 0,
  },
};

const here = import.meta.dirname;
const available = readdirSync(here)
  .filter((f) => f.endsWith('.ts') && f !== 'run.ts')
  .map((f) => f.slice(0, -3))
  .sort((a, b) => rank(a) - rank(b) || a.localeCompare(b));

function rank(name: string): number {
  const i = ORDER.indexOf(name);
  return i < 0 ? ORDER.length : i;
}

const name = process.argv[2];
if (name !== undefined) {
  if (!/^[a-z][a-z0-9-]*$/.test(name) || !existsSync(join(here, `${name}.ts`))) {
    console.error(`usage: npm run bench [-- NAME], where NAME is one of: ${available.join(', ')}`);
    process.exit(2);
  }
  // The benchmark's own argv, as if it had been started directly.
  process.argv.splice(2, 1);
  await import(new URL(`./${name}.ts`, import.meta.url).href);
} else {
  await runAll();
}

interface Outcome {
  name: string;
  seconds: number;
  result?: BenchResult;
  failure?: string;
}

/** One bench in a child process, its output passed through; its last line parsed. */
function runOne(bench: string): Promise<Outcome> {
  const started = Date.now();
  return new Promise((resolve) => {
    const child = spawn(
      process.execPath,
      ['--conditions=react-server', '--import', 'tsx', join(here, `${bench}.ts`)],
      {
        stdio: ['ignore', 'pipe', 'inherit'],
      },
    );
    let out = '';
    child.stdout.on('data', (chunk: Buffer) => {
      out += chunk.toString();
      process.stdout.write(chunk);
    });
    child.once('exit', (code, signal) => {
      const seconds = Math.round((Date.now() - started) / 1000);
      const last = out.trim().split('\n').at(-1) ?? '';
      let result: BenchResult | undefined;
      try {
        result = JSON.parse(last) as BenchResult;
      } catch {
        result = undefined;
      }
      if (code === 0 && result && typeof result.ours === 'number') resolve({ name: bench, seconds, result });
      else
        resolve({
          name: bench,
          seconds,
          failure: `exited ${code ?? signal}${result ? '' : ' without a JSON line'}`,
        });
    });
  });
}

async function runAll(): Promise<void> {
  // BENCH_ONLY=a,b: a partial run (say, to redo one bench's section); the report says which ran.
  const only = process.env.BENCH_ONLY?.split(',').filter(Boolean);
  const outcomes: Outcome[] = [];
  for (const bench of available.filter((b) => !only || only.includes(b))) {
    console.log(`\n=== bench ${bench} ===`);
    outcomes.push(await runOne(bench));
  }
  const reportPath = join(here, 'REPORT.md');
  writeFileSync(reportPath, reportOf(outcomes));
  // Formatted as `npm run lint` wants it (the table's columns aligned), so the committed report passes.
  spawnSync(join(here, '..', 'node_modules', '.bin', 'biome'), ['format', '--write', reportPath], {
    stdio: 'ignore',
  });
  console.log('\nwrote bench/REPORT.md');
  for (const o of outcomes) {
    const met = o.result ? BOUNDS[o.name]?.met?.(o.result) : undefined;
    console.log(
      `${o.name}: ${o.failure ?? (met === undefined ? 'ran' : met ? 'meets its bound' : 'MISSES its bound')}`,
    );
  }
  if (outcomes.some((o) => o.failure)) process.exit(1);
}

function commit(): string {
  try {
    const sha = execFileSync('git', ['rev-parse', '--short', 'HEAD'], { encoding: 'utf8' }).trim();
    const dirty = execFileSync('git', ['status', '--porcelain', '--untracked-files=no'], {
      encoding: 'utf8',
    }).trim();
    return dirty ? `${sha} (with uncommitted changes)` : sha;
  } catch {
    return 'unknown';
  }
}

function reportOf(outcomes: Outcome[]): string {
  const verdict = (o: Outcome) => {
    if (o.failure) return `failed: ${o.failure}`;
    const met = o.result ? BOUNDS[o.name]?.met?.(o.result) : undefined;
    return met === undefined ? 'no bound' : met ? 'meets' : '**misses**';
  };
  const lines = [
    '# Benchmark report',
    '',
    `One run of \`npm run bench\` (every bench in its own process, one after another), ${new Date().toISOString()},`,
    `commit ${commit()}, ${cpus().length} CPUs (${cpus()[0]?.model ?? 'unknown'}), ${Math.round(totalmem() / 2 ** 30)} GB, Node ${process.version}.`,
    ...(process.env.BENCH_ONLY ? [`A partial run: BENCH_ONLY=${process.env.BENCH_ONLY}.`] : []),
    'Each bench prints its figures as the last line of its output (bench/lib/report.ts); they are copied here unchanged.',
    '',
    '| bench | ours | baseline | ratio | limit | unit | bound | seconds |',
    '| --- | --- | --- | --- | --- | --- | --- | --- |',
    ...outcomes.map((o) =>
      o.result
        ? `| ${o.name} | ${o.result.ours} | ${o.result.baseline} | ${o.result.ratio} | ${o.result.limit ?? '-'} | ${o.result.unit} | ${verdict(o)} | ${o.seconds} |`
        : `| ${o.name} | - | - | - | - | - | ${verdict(o)} | ${o.seconds} |`,
    ),
    '',
  ];
  for (const o of outcomes) {
    lines.push(`## ${o.name}`, '');
    lines.push(`What bounds it: ${BOUNDS[o.name]?.bound ?? 'nothing stated (see the bench file).'}`, '');
    // A plain fence: the line exactly as the bench printed it (a json fence would be re-indented by
    // the formatter, and this is one JSON line).
    if (o.result) lines.push('```', JSON.stringify(o.result), '```', '');
    else lines.push(`No figures: the bench ${o.failure}.`, '');
  }
  return `${lines.join('\n')}`;
}
