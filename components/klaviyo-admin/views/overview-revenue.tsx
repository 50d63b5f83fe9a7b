import Link from 'next/link';
import type { ReactNode } from 'react';
import {
  type Cached,
  formatMoney,
  formatNumber,
  type Overview,
  type PerformanceReport,
  timeAgo,
} from '@/lib/klaviyo-next/browser';
import { RankedBars, SplitBar } from '../charts/ranked-bars';
import { Card, Stat } from '../ui/layout';
import { SkeletonBlock } from '../ui/states';
import ui from '../ui.module.css';

export const CAMPAIGN_COLOR = '#2f8a6a';
export const FLOW_COLOR = '#7c6cf0';

const revenueOf = (c: Cached<PerformanceReport> | undefined) => c?.value?.totalRevenue ?? null;
/** The amount; a placeholder while it is fetched; a dash when Klaviyo could not be asked. */
const money = (value: number | null, currency: string, failed: boolean) =>
  value != null ? formatMoney(value, currency) : failed ? '—' : <SkeletonBlock height={28} />;

/** The headline numbers: attributed revenue (total, campaigns, flows) and deliveries in 24 hours. */
export function RevenueStats({ data }: { data: Overview | undefined }) {
  const currency = data?.campaigns.value?.currency ?? data?.flows.value?.currency ?? 'USD';
  const campaigns = revenueOf(data?.campaigns);
  const flows = revenueOf(data?.flows);
  const total = campaigns == null && flows == null ? null : (campaigns ?? 0) + (flows ?? 0);
  const delivered = data?.deliveredPerHour.reduce((a, h) => a + h.count, 0);
  const failed = (c: Cached<PerformanceReport> | undefined) => Boolean(c?.error && !c.value);
  return (
    <>
      <div className={ui.stats}>
        <Stat
          testId="stat-total-revenue"
          label="Attributed revenue"
          value={money(total, currency, failed(data?.campaigns) && failed(data?.flows))}
          hint="Campaigns and flows, Placed Order conversions"
        />
        <Stat
          label="From campaigns"
          value={money(campaigns, currency, failed(data?.campaigns))}
          hint={
            data?.campaigns.value
              ? `${data.campaigns.value.rows.length} campaigns reported`
              : (data?.campaigns.error ?? ' ')
          }
        />
        <Stat
          label="From flows"
          value={money(flows, currency, failed(data?.flows))}
          hint={
            data?.flows.value ? `${data.flows.value.rows.length} flows reported` : (data?.flows.error ?? ' ')
          }
        />
        <Stat
          testId="stat-delivered"
          label="Events delivered · 24 h"
          value={delivered == null ? <SkeletonBlock height={28} /> : formatNumber(delivered)}
          hint={
            data?.outbox.lastDeliveredAt
              ? `Last delivery ${timeAgo(data.outbox.lastDeliveredAt)}`
              : 'Nothing delivered yet'
          }
        />
      </div>
      {total != null && total > 0 && (
        <Card title="Revenue by source">
          <SplitBar
            label="Revenue split between campaigns and flows"
            parts={[
              {
                key: 'c',
                label: 'Campaigns',
                value: campaigns ?? 0,
                color: CAMPAIGN_COLOR,
                text: formatMoney(campaigns, currency),
              },
              {
                key: 'f',
                label: 'Flows',
                value: flows ?? 0,
                color: FLOW_COLOR,
                text: formatMoney(flows, currency),
              },
            ]}
          />
        </Card>
      )}
    </>
  );
}

/** The campaigns or flows that earned most in the period, as ranked bars. */
export function TopEarnersCard({
  cached,
  kind,
}: {
  cached: Cached<PerformanceReport> | undefined;
  kind: 'campaigns' | 'flows';
}) {
  const report = cached?.value;
  const rows = report?.rows.filter((r) => (r.revenue ?? 0) > 0).slice(0, 6) ?? [];
  let body: ReactNode;
  if (!report)
    body = cached?.error ? <div className={ui.errorBox}>{cached.error}</div> : <SkeletonBlock height={140} />;
  else if (rows.length === 0) body = <p className={ui.muted}>No {kind} revenue in this period yet.</p>;
  else
    body = (
      <RankedBars
        color={kind === 'campaigns' ? CAMPAIGN_COLOR : FLOW_COLOR}
        rows={rows.map((r) => ({
          id: r.id,
          name: r.name,
          value: r.revenue ?? 0,
          label: formatMoney(r.revenue, report.currency),
        }))}
      />
    );
  return (
    <Card
      title={kind === 'campaigns' ? 'Top campaigns' : 'Top flows'}
      action={
        <Link className={`${ui.button} ${ui['small-button']}`} href={`/admin/${kind}`}>
          All {kind}
        </Link>
      }
      testId={`top-${kind}`}
    >
      {body}
    </Card>
  );
}
