import { describe, expect, it } from 'vitest';
import { parseBackfillArgs, UsageError } from '../../lib/klaviyo-next/cli/backfill-args';

/** `npm run backfill`'s arguments: a mistake is named, never guessed at (the command exits 2). */
describe('parseBackfillArgs', () => {
  const NOW = Date.parse('2026-06-01T12:00:00Z');
  const refused = (argv: string[]) => {
    try {
      parseBackfillArgs(argv, NOW);
    } catch (error) {
      expect(error).toBeInstanceOf(UsageError);
      return (error as Error).message;
    }
    throw new Error(`accepted ${argv.join(' ')}`);
  };

  it('reads a date as midnight UTC, a time with its offset as given, and the two switches', () => {
    expect(parseBackfillArgs(['--since', '2024-01-31'], NOW)).toEqual({
      since: new Date('2024-01-31T00:00:00Z'),
      dryRun: false,
      deliver: true,
    });
    expect(
      parseBackfillArgs(['--since=2024-01-31T09:30:00+02:00', '--dry-run', '--no-deliver'], NOW),
    ).toEqual({
      since: new Date('2024-01-31T07:30:00Z'),
      dryRun: true,
      deliver: false,
    });
  });

  it('names a missing, malformed, impossible or future --since', () => {
    expect(refused([])).toMatch(/^--since is required/);
    expect(refused(['--since', 'last year'])).toMatch(/^--since 'last year' is not a date/);
    expect(refused(['--since', '2024-02-30'])).toMatch(/^--since '2024-02-30' is not a date/);
    // A time without an offset would be read in this machine's zone.
    expect(refused(['--since', '2024-01-31T09:30:00'])).toMatch(/is not a date/);
    expect(refused(['--since', '2026-06-02'])).toMatch(/^--since '2026-06-02' is in the future/);
  });

  it('names an unknown option or a stray argument', () => {
    expect(refused(['--since', '2024-01-01', '--dryrun'])).toMatch(/--dryrun/);
    expect(refused(['--since', '2024-01-01', 'extra'])).toMatch(/extra/);
    expect(refused(['--since'])).toMatch(/--since/);
  });
});
