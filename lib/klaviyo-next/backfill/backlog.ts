import 'server-only';
import sql from 'sql-template-tag';
import type { SqlExecutor } from '../sql/types';

/** The history lane (laneOf: 2) now: waiting to be sent, and refused for good. */
export async function historyBacklog(db: SqlExecutor): Promise<{ waiting: number; dead: number }> {
  const rows = await db.query<{ state: string; n: number | string }>(
    sql`SELECT state, COUNT(*) AS n FROM klaviyo_outbox WHERE lane = 2 AND state IN ('pending', 'retrying', 'dead') GROUP BY state`,
  );
  let waiting = 0;
  let dead = 0;
  for (const row of rows) {
    if (row.state === 'dead') dead += Number(row.n);
    else waiting += Number(row.n);
  }
  return { waiting, dead };
}
