import { parseArgs } from 'node:util';

export interface BackfillArgs {
  since: Date;
  dryRun: boolean;
  /** Leave delivery to the workers instead of draining the history lane here. */
  deliver: boolean;
}

/** A command-line mistake, naming the argument; the command prints it and exits 2. */
export class UsageError extends Error {
  override name = 'UsageError';
}

export const BACKFILL_USAGE = 'Usage: npm run backfill -- --since YYYY-MM-DD [--dry-run] [--no-deliver]';

// A date (2024-01-31) or a date and time with an offset (2024-01-31T09:00:00Z): a time without an
// offset would be read in this machine's zone, which the merchant did not choose.
const DATE = /^\d{4}-\d{2}-\d{2}$/;
const DATE_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2})$/;

/** Reads `--since DATE [--dry-run] [--no-deliver]`; a missing, malformed or future date is refused. */
export function parseBackfillArgs(argv: readonly string[], now: number): BackfillArgs {
  let values: { since?: string; 'dry-run'?: boolean; 'no-deliver'?: boolean };
  try {
    ({ values } = parseArgs({
      args: [...argv],
      options: {
        since: { type: 'string' },
        'dry-run': { type: 'boolean' },
        'no-deliver': { type: 'boolean' },
      },
      strict: true,
      allowPositionals: false,
    }));
  } catch (error) {
    throw new UsageError(error instanceof Error ? error.message : String(error));
  }
  const raw = values.since;
  if (raw === undefined)
    throw new UsageError('--since is required: the date the history starts (YYYY-MM-DD).');
  const text = raw.trim();
  const date = DATE.test(text)
    ? new Date(`${text}T00:00:00Z`)
    : DATE_TIME.test(text)
      ? new Date(text)
      : undefined;
  // new Date('2024-02-30') rolls over to March: a date must read back as itself.
  if (
    !date ||
    Number.isNaN(date.getTime()) ||
    (DATE.test(text) && date.toISOString().slice(0, 10) !== text)
  ) {
    throw new UsageError(
      `--since '${raw}' is not a date: use YYYY-MM-DD (midnight UTC) or an ISO 8601 time with its offset.`,
    );
  }
  if (date.getTime() > now) {
    throw new UsageError(`--since '${raw}' is in the future: the backfill sends what already happened.`);
  }
  return { since: date, dryRun: values['dry-run'] === true, deliver: values['no-deliver'] !== true };
}
