import 'server-only';
import sql from 'sql-template-tag';
import type { SqlExecutor } from '../sql/types';
import type { HistoryStream } from './types';

/** Where one stream of one run has got to. */
export interface Checkpoint {
  stream: HistoryStream;
  position?: string;
  done: number;
  finished: boolean;
  revision: number;
}

interface Row {
  stream: HistoryStream;
  position: string | null;
  done: number | string;
  finished: number | string;
  revision: number | string;
}

const toCheckpoint = (row: Row): Checkpoint => ({
  stream: row.stream,
  ...(row.position !== null ? { position: row.position } : {}),
  done: Number(row.done),
  finished: Number(row.finished) === 1,
  revision: Number(row.revision),
});

/** The run's checkpoints, created at the start of the stream for those it has none of. */
export async function loadCheckpoints(
  db: SqlExecutor,
  since: string,
  streams: readonly HistoryStream[],
  now: number,
): Promise<Map<HistoryStream, Checkpoint>> {
  for (const stream of streams) {
    await db.query(
      sql`INSERT INTO klaviyo_backfill_checkpoints (since, stream, updated_at) VALUES (${since}, ${stream}, ${now})
        ON CONFLICT (since, stream) DO NOTHING`,
    );
  }
  const rows = await db.query<Row>(
    sql`SELECT stream, position, done, finished, revision FROM klaviyo_backfill_checkpoints WHERE since = ${since}`,
  );
  return new Map(rows.map((row) => [row.stream, toCheckpoint(row)]));
}

/**
 * Moves a stream's checkpoint past one page, inside the page's transaction; false when another process
 * moved it first (its revision is no longer `from.revision`), and the caller rolls its page back.
 */
export async function advanceCheckpoint(
  tx: SqlExecutor,
  since: string,
  from: Checkpoint,
  to: Pick<Checkpoint, 'position' | 'done' | 'finished'>,
  now: number,
): Promise<boolean> {
  const rows = await tx.query<{ revision: number }>(
    sql`UPDATE klaviyo_backfill_checkpoints
      SET position = ${to.position ?? null}, done = ${to.done}, finished = ${to.finished ? 1 : 0},
        revision = revision + 1, updated_at = ${now}
      WHERE since = ${since} AND stream = ${from.stream} AND revision = ${from.revision}
      RETURNING revision`,
  );
  return rows.length === 1;
}

/**
 * Starts a finished run over: every stream back to its first page. A run that completed is walked
 * again from the start when asked again (records changed since, or it is a check); the outbox's keys
 * make what was already sent a no-op.
 */
export async function restartCheckpoints(db: SqlExecutor, since: string, now: number): Promise<void> {
  await db.query(
    sql`UPDATE klaviyo_backfill_checkpoints SET position = NULL, done = 0, finished = 0,
      revision = revision + 1, updated_at = ${now} WHERE since = ${since}`,
  );
}
