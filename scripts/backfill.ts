/**
 * `npm run backfill -- --since YYYY-MM-DD [--dry-run] [--no-deliver]`: sends the store's history since
 * the date to Klaviyo (past customers' profiles, past orders and their shipments, cancellations and
 * refunds, and consent), flagged so that no flow fires (README "Backfill" in lib/klaviyo-next).
 *
 * It enqueues the history a page at a time, each page with its checkpoint in one transaction (killed
 * at any point, run it again and it goes on from the last page committed), then drains the history
 * lane, live traffic first, within the same rate limits as the workers (`--no-deliver` leaves that to
 * the workers). Run twice, the second run sends nothing new. A progress bar on stderr shows the rate
 * and the time left; `--dry-run` prints what would be sent and writes nothing.
 *
 * Exit codes: 0 done, 1 failed (run it again to resume), 2 bad arguments, 130 stopped by a signal.
 */

import { openAppDatabase } from '../lib/app/database';
import { backfillEnv, pluginSettingsSource } from '../lib/env';
import { createKlaviyoNext } from '../lib/klaviyo-next';
import type { DryRunSummary } from '../lib/klaviyo-next/backfill';
import { BACKFILL_USAGE, parseBackfillArgs, UsageError } from '../lib/klaviyo-next/cli/backfill-args';
import { progressBar } from '../lib/klaviyo-next/cli/progress';
import { storeHistory } from '../lib/store/history-source';

let args: ReturnType<typeof parseBackfillArgs>;
try {
  args = parseBackfillArgs(process.argv.slice(2), Date.now());
} catch (error) {
  if (!(error instanceof UsageError)) throw error;
  console.error(`backfill: ${error.message}\n${BACKFILL_USAGE}`);
  process.exit(2);
}

const settings = backfillEnv();
const stop = new AbortController();
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.on(signal, () => {
    if (stop.signal.aborted) process.exit(130);
    console.error(`\nbackfill: ${signal}: stopping after the page in hand; run again to resume.`);
    stop.abort();
  });
}

const db = await openAppDatabase(settings.database);
// Delivery is this command's own drain below (or the workers'), never a background one.
const klaviyo = createKlaviyoNext({ env: pluginSettingsSource(), sql: db, deliverSoon: () => {} });
const source = storeHistory({ db, storeUrl: settings.storeUrl });
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

function printDryRun(summary: DryRunSummary) {
  const lines = [
    `Dry run: the history since ${summary.since} (nothing was written).`,
    `Records: ${summary.records.customers} customers, ${summary.records.orders} orders, ${summary.records.consent} consent records.`,
    'Messages (new = would be sent; known = already accepted before):',
    ...Object.entries(summary.kinds).map(([kind, n]) => `  ${kind}: ${n.new} new, ${n.known} known`),
    ...(summary.skipped.length
      ? [
          `Skipped ${summary.skipped.length}:`,
          ...summary.skipped.slice(0, 20).map((s) => `  ${s.stream} ${s.id}: ${s.reason}`),
        ]
      : []),
    'A sample of each kind:',
    ...summary.sample.map((m) => `  ${JSON.stringify(m)}`),
  ];
  console.log(lines.join('\n'));
}

async function enqueue() {
  const bar = progressBar('Enqueuing history');
  const summary = await klaviyo.backfill.run(source, {
    since: args.since,
    signal: stop.signal,
    onProgress: (p) =>
      bar.update({ done: p.done, total: p.total, label: `${p.stream}, ${p.enqueued} new messages` }),
  });
  const walked = summary.records;
  bar.stop(
    `Enqueued ${summary.enqueued} new messages from ${walked.customers} customers, ${walked.orders} orders and ${walked.consent} consent records${summary.resumed ? ' (resumed from the last checkpoint)' : ''}.`,
  );
  for (const s of summary.skipped) console.log(`  skipped ${s.stream} ${s.id}: ${s.reason}`);
}

/** Drains until the history lane is empty; live messages go first in every round (lanes). */
async function deliver() {
  const start = await klaviyo.backfill.backlog();
  const bar = progressBar('Delivering history');
  let total = start.waiting;
  let label: string | undefined;
  for (;;) {
    const { waiting } = await klaviyo.backfill.backlog();
    total = Math.max(total, waiting);
    bar.update({ done: total - waiting, total, ...(label ? { label } : {}) });
    if (waiting === 0 || stop.signal.aborted) break;
    const round = await klaviyo.drain(10_000);
    label = undefined;
    // Nothing could be sent: Klaviyo paused us (429), another process holds the rest (a worker, or a
    // killed run whose leases have not yet run out), or the people left have an earlier write Klaviyo
    // is still applying (a fence, README "Newest wins"). Wait a little and look again.
    if (!round || round.delivered + round.dead === 0) {
      label = round?.pausedUntil
        ? 'paused by Klaviyo (429)'
        : 'waiting: leased elsewhere, or earlier writes settling';
      await sleep(1_000);
    }
  }
  const end = await klaviyo.backfill.backlog();
  bar.stop(
    end.waiting === 0
      ? `History delivered; ${end.dead - start.dead} refused by Klaviyo (see the dashboard's dead letters).`
      : `Stopped with ${end.waiting} history messages waiting; the workers deliver them.`,
  );
}

let code = 0;
try {
  if (args.dryRun) {
    const bar = progressBar('Reading history');
    const summary = await klaviyo.backfill.dryRun(source, {
      since: args.since,
      onProgress: (p) => bar.update({ done: p.done, total: p.total, label: p.stream }),
    });
    bar.stop();
    printDryRun(summary);
  } else {
    await enqueue();
    if (args.deliver) await deliver();
    else console.log('Delivery is left to the workers (--no-deliver).');
  }
} catch (error) {
  if (stop.signal.aborted) code = 130;
  else {
    console.error('backfill: failed; run it again to resume from the last page committed.', error);
    code = 1;
  }
} finally {
  klaviyo.ops.close();
  await db.close();
}
process.exit(code === 0 && stop.signal.aborted ? 130 : code);
