import { SingleBar } from 'cli-progress';

/** How far a long command has got: `done` of `total` units, and what it is doing now. */
export interface Progress {
  done: number;
  total: number;
  label?: string;
}

export interface ProgressBar {
  update(p: Progress): void;
  /** Draws the last state, ends the bar's line and prints `summary` (if any) on its own line. */
  stop(summary?: string): void;
}

// A terminal gets a redrawn bar; a log file or a pipe (CI, a parent process reading the output) gets
// one plain line at most every 2 s, cli-progress's own schedule for a stream that is not a TTY.
const NOT_TTY_EVERY_MS = 2000;

/**
 * A progress bar for the plugin's commands (backfill, catalogue resync) over cli-progress: done/total,
 * a bar, the rate per second and the time left. The rate and the time left are this run's own
 * (counted from the first update, so a resumed command that starts at 4,000 of 10,000 does not claim
 * the 4,000 as speed), and read "--" until there is something to measure.
 */
export function progressBar(title: string, options: { stream?: NodeJS.WritableStream } = {}): ProgressBar {
  const bar = new SingleBar({
    // Title and label travel as payload values, never in the format, so a brace in a product name
    // cannot be read as a placeholder.
    format: '{title} [{bar}] {value}/{total} {percentage}% | {rate}/s | ETA {etaText}{labelText}',
    stream: options.stream ?? process.stderr,
    noTTYOutput: true,
    notTTYSchedule: NOT_TTY_EVERY_MS,
    barsize: 30,
    hideCursor: false,
    // cli-progress would otherwise take over SIGINT/SIGTERM, and a command must stay killable.
    gracefulExit: false,
  });
  const stream = options.stream ?? process.stderr;
  let started = false;
  let first: { at: number; done: number } | undefined;

  const payload = (p: Progress) => {
    const now = Date.now();
    first ??= { at: now, done: p.done };
    const seconds = (now - first.at) / 1000;
    const rate = seconds > 0 ? (p.done - first.done) / seconds : 0;
    const left = Math.max(0, p.total - p.done);
    return {
      title,
      rate: rate > 0 ? formatRate(rate) : '--',
      etaText: left === 0 ? '0s' : rate > 0 ? formatSeconds(left / rate) : '--',
      labelText: p.label ? ` | ${p.label}` : '',
    };
  };

  return {
    update(p) {
      const total = Math.max(0, p.total);
      if (!started) {
        started = true;
        bar.start(total, p.done, payload(p));
        return;
      }
      if (bar.getTotal() !== total) bar.setTotal(total);
      bar.update(p.done, payload(p));
    },
    stop(summary) {
      if (started) bar.stop();
      if (summary) stream.write(`${summary}\n`);
    },
  };
}

const formatRate = (perSecond: number): string =>
  perSecond >= 100 ? String(Math.round(perSecond)) : perSecond.toFixed(1);

/** 42s, 3m05s, 1h12m: enough to plan by, never "INF". */
export function formatSeconds(seconds: number): string {
  const s = Math.ceil(seconds);
  if (s < 60) return `${s}s`;
  if (s < 3600) return `${Math.floor(s / 60)}m${String(s % 60).padStart(2, '0')}s`;
  const h = Math.floor(s / 3600);
  if (h >= 1000) return '>999h';
  return `${h}h${String(Math.floor((s % 3600) / 60)).padStart(2, '0')}m`;
}
