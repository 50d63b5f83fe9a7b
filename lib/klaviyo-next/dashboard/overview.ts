import 'server-only';
import { readCached } from './cache/cached';
import type { Overview, Period } from './contracts';
import type { AdminDeps } from './deps';
import { deliveredPerHour, outboxHealth } from './outbox-stats';
import { campaignReportSource, flowReportSource } from './reports';

/** The overview: revenue from the cached reports, and the outbox's own numbers (no Klaviyo call). */
export async function getOverview(deps: AdminDeps, period: Period): Promise<Overview> {
  const [campaigns, flows, perHour, outbox] = await Promise.all([
    readCached(deps, campaignReportSource(deps, period)),
    readCached(deps, flowReportSource(deps, period)),
    deliveredPerHour(deps),
    outboxHealth(deps),
  ]);
  return { period, campaigns, flows, deliveredPerHour: perHour, outbox };
}
