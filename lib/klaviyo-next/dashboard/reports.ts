import 'server-only';
import { paginate } from '../api';
import type { ValuesReport } from '../api/resources/reports';
import { policyFor } from './cache/budget';
import { readCached, type Source } from './cache/cached';
import { CAMPAIGN_CHANNELS, type PerformanceReport, type PerformanceRow, type Period } from './contracts';
import type { AdminDeps } from './deps';
import { AdminError } from './errors';
import { keySource } from './settings-sources';

/**
 * Campaign and flow performance from Klaviyo's Reporting API, which allows 1/s, 2/m and 225/day per
 * report: one call per report and period, cached on the server for REPORT_TTL_MS. Every statistic
 * the overview and the campaigns and flows pages show comes from that one call.
 */
export const REPORT_TTL_MS = 30 * 60_000;
const STATISTICS = [
  'recipients',
  'delivered',
  'opens_unique',
  'clicks_unique',
  'conversions',
  'conversion_value',
] as const;
type Statistic = (typeof STATISTICS)[number];
const CONVERSION_METRIC = 'Placed Order';

function conversionMetricSource(deps: AdminDeps): Source<string | null> {
  return {
    key: 'conversion-metric',
    ttlMs: 24 * 60 * 60_000,
    bucket: 'get_metrics',
    policy: policyFor('get_metrics', { share: 0.2 }),
    fetch: async () => (await deps.klaviyo.metrics.findIdByName(CONVERSION_METRIC)) ?? null,
  };
}

async function conversionMetricId(deps: AdminDeps): Promise<string> {
  const cached = await readCached(deps, conversionMetricSource(deps), { refresh: 'wait' });
  if (cached.value) return cached.value;
  throw new AdminError(
    'failed',
    cached.error ??
      `No "${CONVERSION_METRIC}" metric in this account yet: revenue appears once orders are tracked.`,
  );
}

const sum = (values: (number | null)[]) =>
  values.some((v) => v !== null) ? values.reduce<number>((a, v) => a + (v ?? 0), 0) : null;

/** One row per campaign or flow: its messages added up, rates recomputed from the sums. */
export function summarize(
  report: ValuesReport<Statistic, string>,
  names: ReadonlyMap<string, string>,
): PerformanceRow[] {
  const rows = Object.entries(report).map(([id, messages]): PerformanceRow => {
    const total = (s: Statistic) => sum(messages.map((m) => m.statistics[s]));
    const delivered = total('delivered');
    const rate = (s: Statistic) => {
      const n = total(s);
      return n === null || !delivered ? null : n / delivered;
    };
    return {
      id,
      name: names.get(id) ?? id,
      recipients: total('recipients'),
      openRate: rate('opens_unique'),
      clickRate: rate('clicks_unique'),
      conversions: total('conversions'),
      revenue: total('conversion_value'),
    };
  });
  return rows.sort((a, b) => (b.revenue ?? 0) - (a.revenue ?? 0) || a.name.localeCompare(b.name));
}

async function currency(deps: AdminDeps): Promise<string> {
  const key = await readCached(deps, keySource(deps), { refresh: 'never' });
  return key.value?.account?.currency ?? 'USD';
}

function report(period: Period, rows: PerformanceRow[], currencyCode: string): PerformanceReport {
  return {
    period,
    currency: currencyCode,
    rows,
    totalRevenue: rows.reduce((a, r) => a + (r.revenue ?? 0), 0),
  };
}

export function campaignReportSource(deps: AdminDeps, period: Period): Source<PerformanceReport> {
  return {
    key: `report:campaign-values:${period}`,
    ttlMs: REPORT_TTL_MS,
    bucket: 'query_campaign_values',
    policy: policyFor('query_campaign_values', { dayShare: 0.9 }),
    async fetch() {
      const values = await deps.klaviyo.reports.campaignValues({
        statistics: STATISTICS,
        timeframe: { key: period },
        conversionMetricId: await conversionMetricId(deps),
        groupBy: ['campaign_id', 'campaign_message_id'],
      });
      const names = new Map<string, string>();
      for (const channel of CAMPAIGN_CHANNELS)
        for await (const c of deps.klaviyo.campaigns.list(channel)) names.set(c.id, c.attributes.name);
      return report(period, summarize(values, names), await currency(deps));
    },
  };
}

export function flowReportSource(deps: AdminDeps, period: Period): Source<PerformanceReport> {
  return {
    key: `report:flow-values:${period}`,
    ttlMs: REPORT_TTL_MS,
    bucket: 'query_flow_values',
    policy: policyFor('query_flow_values', { dayShare: 0.9 }),
    async fetch() {
      const values = await deps.klaviyo.reports.flowValues({
        statistics: STATISTICS,
        timeframe: { key: period },
        conversionMetricId: await conversionMetricId(deps),
        groupBy: ['flow_id', 'flow_message_id'],
      });
      const names = new Map<string, string>();
      for await (const f of paginate(deps.klaviyo.client, 'get_flows'))
        names.set(f.id, f.attributes.name ?? f.id);
      return report(period, summarize(values, names), await currency(deps));
    },
  };
}

/** Refreshes both reports of a period, as the merchant's Refresh button asks (once per 2 minutes at most). */
export const MANUAL_REFRESH_MIN_AGE_MS = 2 * 60_000;
