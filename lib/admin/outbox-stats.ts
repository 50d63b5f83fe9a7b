import 'server-only';
import type { OutboxHealth } from './contracts';
import type { AdminDeps } from './deps';

const HOUR = 3_600_000;

/**
 * Messages delivered per hour over the last 24 hours (oldest first, empty hours as 0). Read straight
 * from the outbox table: OutboxStore has no aggregate for it yet (asked of lib/outbox's owner).
 */
export async function deliveredPerHour(
  deps: AdminDeps,
  hours = 24,
): Promise<{ hour: number; count: number }[]> {
  const end = Math.floor(deps.now() / HOUR) + 1;
  const start = end - hours;
  const rows = await deps.db.query<{ hour: number; n: number }>(
    `SELECT delivered_at / ${HOUR} AS hour, COUNT(*) AS n FROM klaviyo_outbox
     WHERE state = 'delivered' AND delivered_at >= ? GROUP BY delivered_at / ${HOUR}`,
    [start * HOUR],
  );
  const byHour = new Map(rows.map((r) => [Math.floor(Number(r.hour)), Number(r.n)]));
  return Array.from({ length: hours }, (_, i) => ({
    hour: (start + i) * HOUR,
    count: byHour.get(start + i) ?? 0,
  }));
}

/** How the outbox is doing: counts per state, how long the oldest undelivered message has waited. */
export async function outboxHealth(deps: AdminDeps): Promise<OutboxHealth> {
  const [counts, [times]] = await Promise.all([
    deps.outbox.counts(),
    deps.db.query<{ oldest: number | null; last: number | null }>(
      `SELECT MIN(CASE WHEN state IN ('pending', 'retrying') THEN created_at END) AS oldest,
              MAX(delivered_at) AS last FROM klaviyo_outbox`,
    ),
  ]);
  return {
    counts,
    oldestPendingAt: times?.oldest != null ? Number(times.oldest) : null,
    lastDeliveredAt: times?.last != null ? Number(times.last) : null,
  };
}
