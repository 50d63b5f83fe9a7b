import type { Account } from '../store/account.js';
import type { Emulator } from './emulator.js';
import { isoTime } from './ids.js';

/**
 * What a reliability test counts: events recorded (by metric and profile, with their unique ids),
 * events dedup suppressed, 429s served, bulk job outcomes and webhook deliveries.
 * `?events=full` lists every recorded event; otherwise only counts.
 */
export function inspectAccount(emulator: Emulator, account: Account, search: URLSearchParams) {
  const metricNames = new Map([...account.metrics.values()].map((m) => [m.id, m.name]));
  const byMetric: Record<string, number> = {};
  for (const e of account.events.values()) {
    const name = metricNames.get(e.metricId) ?? e.metricId;
    byMetric[name] = (byMetric[name] ?? 0) + 1;
  }
  const metricFilter = search.get('metric');
  const events =
    search.get('events') === 'full'
      ? [...account.events.values()]
          .filter((e) => !metricFilter || metricNames.get(e.metricId) === metricFilter)
          .map((e) => {
            const profile = account.profiles.get(e.profileId);
            return {
              id: e.id,
              metric: metricNames.get(e.metricId),
              profileId: e.profileId,
              email: profile?.attributes.email ?? null,
              phoneNumber: profile?.attributes.phone_number ?? null,
              externalId: profile?.attributes.external_id ?? null,
              uniqueId: e.uniqueId,
              time: isoTime(e.timeMs),
              properties: e.properties,
              backfill: e.backfill,
              source: e.source,
            };
          })
      : undefined;
  return {
    id: account.id,
    counts: {
      profiles: account.profiles.size,
      events: account.events.size,
      suppressed: account.suppressed.length,
      metrics: account.metrics.size,
      lists: account.lists.size,
      segments: account.segments.size,
    },
    eventsByMetric: byMetric,
    suppressed: account.suppressed,
    throttled: emulator.limiter.throttled,
    faultsServed: emulator.faults.served,
    requests: Object.fromEntries(emulator.requestCounts),
    jobs: [...account.jobs.values()].map((j) => ({
      id: j.id,
      type: j.type,
      ...j.attributes,
      errors: j.errors,
    })),
    log: account.log,
    webhookDeliveries: account.webhookDeliveries,
    ...(events ? { events } : {}),
  };
}
