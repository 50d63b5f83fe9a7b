import { appendFileSync } from 'node:fs';
import fc from 'fast-check';

/**
 * The fuzz suite's runner. `npm test` runs each target a few hundred times; `FUZZ_RUNS=10000` runs
 * the full size (and `FUZZ_SEED` replays a run). Every run is checked and every broken invariant is
 * counted, not just the first; then each broken invariant is replayed from the same seed and shrunk
 * by fast-check to a minimal input, which the failure message shows.
 * `FUZZ_REPORT=<file>` appends one JSON line per target (runs, milliseconds, failures).
 */
const envRuns = Number(process.env.FUZZ_RUNS);
export const FULL_SIZE = Number.isFinite(envRuns) && envRuns > 0;
const SEED = process.env.FUZZ_SEED ? Number(process.env.FUZZ_SEED) : undefined;

/** Per test: a full-size run of one target can take many minutes (sign-in hashes every password). */
export const FUZZ_TEST_TIMEOUT = FULL_SIZE ? 4 * 3_600_000 : 120_000;

/** Runs per target: FUZZ_RUNS when set, else `ci` (a few hundred, less where each run hashes a password). */
export const runsFor = (ci: number) => (FULL_SIZE ? envRuns : ci);

/** A broken invariant: `name` groups runs for the report, `detail` says what this run did wrong. */
export interface Violation {
  name: string;
  detail: string;
}

export interface FuzzReport {
  target: string;
  runs: number;
  ms: number;
  seed: number;
  /** How the runs ended (status or result), to show the inputs got past the first checks. */
  outcomes: Record<string, number>;
  failures: Record<string, number>;
  examples: Record<string, string>;
}

let outcomes: Record<string, number> = {};
let replayReset: (() => Promise<void>) | undefined;

/**
 * Gives the harness a way to start the replays from a fresh database: a replayed input often
 * meets what its first run left behind (an order already fulfilled, an event key already stored)
 * and would not break the invariant again.
 */
export function onReplay(reset: () => Promise<void>): void {
  replayReset = reset;
}

/** Records how a run ended (an HTTP status, `ok`, a refusal's field) for the coverage line of the report. */
export function outcome(label: string): void {
  outcomes[label] = (outcomes[label] ?? 0) + 1;
}

const describe = (error: unknown) =>
  error instanceof Error ? `${error.name}: ${error.message}`.slice(0, 300) : String(error).slice(0, 300);

async function violationsOf<T>(check: (input: T) => Promise<Violation[]>, input: T): Promise<Violation[]> {
  try {
    return await check(input);
  } catch (error) {
    return [{ name: 'crash (unhandled throw)', detail: describe(error) }];
  }
}

/**
 * Runs `check` on `runs` inputs from `arb`. Returns the report; the caller asserts it is clean, so a
 * target's failures are all listed before the test fails.
 */
export async function fuzz<T>(
  target: string,
  arb: fc.Arbitrary<T>,
  check: (input: T) => Promise<Violation[]>,
  runs: number,
): Promise<FuzzReport> {
  const seed = SEED ?? (Date.now() ^ (Math.random() * 0x7fffffff)) | 0;
  const failures: Record<string, number> = {};
  const firstDetail: Record<string, string> = {};
  const started = performance.now();
  outcomes = {};
  await fc.check(
    fc.asyncProperty(arb, async (input) => {
      for (const v of await violationsOf(check, input)) {
        failures[v.name] = (failures[v.name] ?? 0) + 1;
        firstDetail[v.name] ??= v.detail;
      }
      return true;
    }),
    { numRuns: runs, seed },
  );
  const ms = Math.round(performance.now() - started);
  const seen = outcomes;
  outcomes = {}; // the replays below are not counted

  // Replays from the same seed until the invariant breaks, then lets fast-check shrink the input.
  const examples: Record<string, string> = {};
  for (const name of Object.keys(failures).slice(0, 6)) {
    let detail = firstDetail[name] ?? '';
    await replayReset?.();
    const result = await fc.check(
      fc.asyncProperty(arb, async (input) => {
        const broken = (await violationsOf(check, input)).find((v) => v.name === name);
        if (broken) detail = broken.detail;
        return !broken;
      }),
      { numRuns: runs, seed, interruptAfterTimeLimit: FULL_SIZE ? 60_000 : 15_000 },
    );
    examples[name] = result.counterexample
      ? `${fc.stringify(result.counterexample[0]).slice(0, 1500)}\n      -> ${detail}`
      : `(not reproduced on replay) ${detail}`;
  }

  const report: FuzzReport = { target, runs, ms, seed, outcomes: seen, failures, examples };
  const line = JSON.stringify({ target, runs, ms, seed, failures, outcomes: seen });
  console.log(`[fuzz] ${line}`);
  if (process.env.FUZZ_REPORT) appendFileSync(process.env.FUZZ_REPORT, `${JSON.stringify(report)}\n`);
  return report;
}

/** The failure message: each broken invariant, how often, and its shrunk counterexample. */
export function summary(report: FuzzReport): string {
  const lines = Object.entries(report.failures).map(
    ([name, count]) => `  ${name}: ${count}/${report.runs} runs\n    e.g. ${report.examples[name] ?? ''}`,
  );
  return `${report.target} (seed ${report.seed}):\n${lines.join('\n')}`;
}
