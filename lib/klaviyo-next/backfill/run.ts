import 'server-only';
import sql, { join } from 'sql-template-tag';
import { dedupKeyHash, type OutboxStore } from '../outbox/store';
import type { OutboxMessage } from '../outbox/types';
import type { SqlDatabase, SqlExecutor } from '../sql/types';
import { advanceCheckpoint, type Checkpoint, loadCheckpoints, restartCheckpoints } from './checkpoint';
import { buildPage, type SkippedRecord } from './messages';
import { HISTORY_STREAMS, type HistoryPage, type HistorySource, type HistoryStream } from './types';

/** Records per page: one transaction each, a few thousand messages at most. */
export const BACKFILL_PAGE_SIZE = 500;

export interface BackfillProgress {
  stream: HistoryStream;
  /** Records walked, all streams together (including those a previous, interrupted run walked). */
  done: number;
  total: number;
  /** Messages put in the outbox by this run so far (those already there are not counted). */
  enqueued: number;
}

export interface BackfillOptions {
  since: Date;
  pageSize?: number;
  onProgress?(progress: BackfillProgress): void;
  /** Stops between pages; what was committed stays, and the next run resumes after it. */
  signal?: AbortSignal;
}

export interface BackfillSummary {
  since: string;
  /** Records walked per stream. */
  records: Record<HistoryStream, number>;
  /** Messages this run put in the outbox (a second run over the same history: 0). */
  enqueued: number;
  skipped: SkippedRecord[];
  /** The run continued from a checkpoint an earlier, interrupted run left. */
  resumed: boolean;
}

export interface DryRunSummary {
  since: string;
  records: Record<HistoryStream, number>;
  /** Messages per kind (events by metric): `new` would be sent, `known` the outbox has accepted before. */
  kinds: Record<string, { new: number; known: number }>;
  /** The first message of each kind, as it would be queued. */
  sample: OutboxMessage[];
  skipped: SkippedRecord[];
}

export interface BackfillDeps {
  db: SqlDatabase;
  outbox: OutboxStore;
  now: () => number;
}

const pageOf = (
  source: HistorySource,
  stream: HistoryStream,
  db: SqlExecutor,
  since: Date,
  after: string | undefined,
  limit: number,
) =>
  source[stream]({ since, ...(after !== undefined ? { after } : {}), limit, db }) as Promise<
    HistoryPage<unknown>
  >;

const zero = (): Record<HistoryStream, number> => ({ customers: 0, orders: 0, consent: 0 });

/**
 * Sends the store's history since `options.since` through the outbox, a page at a time: each page's
 * messages and the checkpoint past it commit in one transaction, so a run killed at any point resumes
 * exactly where its last commit left it, and nothing is enqueued twice (the outbox's keys). The
 * messages go in the history lane, delivered after live traffic within the same rate limits.
 */
export async function runBackfill(
  deps: BackfillDeps,
  source: HistorySource,
  options: BackfillOptions,
): Promise<BackfillSummary> {
  const since = options.since.toISOString();
  const limit = options.pageSize ?? BACKFILL_PAGE_SIZE;
  const totals = await source.count(options.since);
  const total = HISTORY_STREAMS.reduce((sum, s) => sum + totals[s], 0);
  let checkpoints = await loadCheckpoints(deps.db, since, HISTORY_STREAMS, deps.now());
  const all = () => [...checkpoints.values()];
  if (all().every((c) => c.finished)) {
    await restartCheckpoints(deps.db, since, deps.now());
    checkpoints = await loadCheckpoints(deps.db, since, HISTORY_STREAMS, deps.now());
  }
  const resumed = all().some((c) => c.done > 0);
  const summary: BackfillSummary = { since, records: zero(), enqueued: 0, skipped: [], resumed };
  const walked = () => all().reduce((sum, c) => sum + c.done, 0);

  for (const stream of HISTORY_STREAMS) {
    let at = checkpoints.get(stream) as Checkpoint;
    while (!at.finished) {
      options.signal?.throwIfAborted();
      const from = at;
      // The page is read in the transaction that enqueues it and moves the checkpoint past it (see
      // HistoryQuery.db: someone erased meanwhile is left out, or erased after, with these messages).
      const done = await deps.db.transaction(async (tx) => {
        const page = await pageOf(source, stream, tx, options.since, from.position, limit);
        const built = buildPage(stream, page.items);
        const to = {
          ...(page.next !== undefined
            ? { position: page.next }
            : from.position
              ? { position: from.position }
              : {}),
          done: from.done + page.items.length,
          finished: page.next === undefined,
        };
        if (!(await advanceCheckpoint(tx, since, from, to, deps.now()))) return undefined;
        return { to, page, built, stored: await deps.outbox.enqueue(tx, built.messages, deps.now()) };
      });
      if (done === undefined) {
        // Another process took this page: carry on from where it got to.
        checkpoints = await loadCheckpoints(deps.db, since, HISTORY_STREAMS, deps.now());
        at = checkpoints.get(stream) as Checkpoint;
        continue;
      }
      const { to, page, built, stored } = done;
      at = { ...from, ...to, revision: from.revision + 1 };
      if (to.position === undefined) delete at.position;
      checkpoints.set(stream, at);
      summary.records[stream] += page.items.length;
      summary.enqueued += stored;
      summary.skipped.push(...built.skipped);
      options.onProgress?.({
        stream,
        done: walked(),
        total: Math.max(total, walked()),
        enqueued: summary.enqueued,
      });
    }
  }
  return summary;
}

/** Which of these keys the outbox has accepted before (read only). */
async function knownKeys(db: SqlDatabase, keys: readonly string[]): Promise<Set<string>> {
  const byHash = new Map(keys.map((k) => [dedupKeyHash(k), k]));
  const known = new Set<string>();
  const hashes = [...byHash.keys()];
  for (let i = 0; i < hashes.length; i += 500) {
    const rows = await db.query<{ key_hash: string }>(
      sql`SELECT key_hash FROM klaviyo_outbox_keys WHERE key_hash IN (${join(hashes.slice(i, i + 500))})`,
    );
    for (const row of rows) known.add(byHash.get(row.key_hash) as string);
  }
  return known;
}

const kindOf = (m: OutboxMessage) => (m.kind === 'event' ? m.payload.metric : m.kind);

/** What `runBackfill` would send, without writing anything: counts per kind and a sample. */
export async function dryRunBackfill(
  deps: Pick<BackfillDeps, 'db'>,
  source: HistorySource,
  options: Omit<BackfillOptions, 'signal'>,
): Promise<DryRunSummary> {
  const limit = options.pageSize ?? BACKFILL_PAGE_SIZE;
  const totals = await source.count(options.since);
  const total = HISTORY_STREAMS.reduce((sum, s) => sum + totals[s], 0);
  const summary: DryRunSummary = {
    since: options.since.toISOString(),
    records: zero(),
    kinds: {},
    sample: [],
    skipped: [],
  };
  let done = 0;
  for (const stream of HISTORY_STREAMS) {
    let after: string | undefined;
    do {
      const page = await pageOf(source, stream, deps.db, options.since, after, limit);
      const built = buildPage(stream, page.items);
      const known = await knownKeys(
        deps.db,
        built.messages.map((m) => m.key),
      );
      for (const message of built.messages) {
        const kind = kindOf(message);
        let tally = summary.kinds[kind];
        if (!tally) {
          tally = { new: 0, known: 0 };
          summary.kinds[kind] = tally;
          summary.sample.push(message);
        }
        if (known.has(message.key)) tally.known += 1;
        else tally.new += 1;
      }
      summary.records[stream] += page.items.length;
      summary.skipped.push(...built.skipped);
      done += page.items.length;
      options.onProgress?.({ stream, done, total: Math.max(total, done), enqueued: 0 });
      after = page.next;
    } while (after !== undefined);
  }
  return summary;
}
