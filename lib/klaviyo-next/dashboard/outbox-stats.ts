import 'server-only';
import type { OutboxHealth } from './contracts';
import type { AdminDeps } from './deps';

const HOUR = 3_600_000;

/** Messages delivered per hour over the last 24 hours (oldest first, empty hours as 0). */
export async function deliveredPerHour(
  deps: AdminDeps,
  hours = 24,
): Promise<{ hour: number; count: number }[]> {
  const end = Math.floor(deps.now() / HOUR) + 1;
  const start = end - hours;
  const byHour = await deps.outbox.deliveredPerBucket(start * HOUR, HOUR);
  return Array.from({ length: hours }, (_, i) => ({
    hour: (start + i) * HOUR,
    count: byHour.get(start + i) ?? 0,
  }));
}

/** How the outbox is doing: counts per state, how long the oldest undelivered message has waited. */
export function outboxHealth(deps: AdminDeps): Promise<OutboxHealth> {
  return deps.outbox.stats();
}
