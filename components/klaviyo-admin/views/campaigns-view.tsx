'use client';

import { useInfiniteQuery } from '@tanstack/react-query';
import { useState } from 'react';
import {
  CAMPAIGN_STATUS_FILTERS,
  type CampaignChannelName,
  type CampaignStatusFilter,
  formatDateTime,
  formatMoney,
  formatNumber,
  formatPercent,
  type Period,
} from '@/lib/klaviyo-next/browser';
import { campaignsQuery } from '../queries';
import { Freshness } from '../ui/freshness';
import { Badge, Card, PageHeader, toneOf } from '../ui/layout';
import { PagedTable } from '../ui/paged-table';
import { PeriodSelect, replaceSearchParam } from '../ui/period-select';
import { EmptyState } from '../ui/states';
import ui from '../ui.module.css';
import { PerformanceError, performanceOf } from './performance';

const CHANNELS: { value: CampaignChannelName; label: string }[] = [
  { value: 'email', label: 'Email' },
  { value: 'sms', label: 'SMS' },
  { value: 'mobile_push', label: 'Push' },
];

export interface CampaignFilters {
  channel: CampaignChannelName;
  status: CampaignStatusFilter | 'all';
  period: Period;
}

export function CampaignsView({ initial }: { initial: CampaignFilters }) {
  const [filters, setFilters] = useState(initial);
  const query = useInfiniteQuery(campaignsQuery(filters));
  const report = query.data?.pages[0]?.report;
  const { currency, metric } = performanceOf(report);
  const set = (change: Partial<CampaignFilters>) => {
    setFilters((f) => ({ ...f, ...change }));
    for (const [k, v] of Object.entries(change)) replaceSearchParam(k, v === 'all' ? undefined : v);
  };

  return (
    <>
      <PageHeader
        title="Campaigns"
        subtitle="One-off sends with their results. Performance comes from Klaviyo's reporting API, cached on the server."
        actions={
          <>
            <Freshness cached={report} label="Performance updated" />
            <PeriodSelect value={filters.period} onChange={(period) => set({ period })} />
          </>
        }
      />
      <Card flush>
        <div className={ui.toolbar}>
          <div className={ui.tabs} role="tablist" aria-label="Channel">
            {CHANNELS.map((c) => (
              <button
                key={c.value}
                type="button"
                role="tab"
                aria-selected={filters.channel === c.value}
                className={`${ui.tab} ${filters.channel === c.value ? ui.tabActive : ''}`}
                onClick={() => set({ channel: c.value })}
              >
                {c.label}
              </button>
            ))}
          </div>
          <select
            className={ui.select}
            aria-label="Status"
            data-testid="status-filter"
            value={filters.status}
            onChange={(e) => set({ status: e.target.value as CampaignFilters['status'] })}
          >
            <option value="all">All statuses</option>
            {CAMPAIGN_STATUS_FILTERS.map((s) => (
              <option key={s} value={s}>
                {s}
              </option>
            ))}
          </select>
        </div>
        <PerformanceError report={report} />
        <PagedTable
          query={query}
          testId="campaigns-table"
          nouns={['campaign', 'campaigns']}
          empty={
            <EmptyState icon="campaigns" title="No campaigns match">
              No {CHANNELS.find((c) => c.value === filters.channel)?.label} campaigns
              {filters.status === 'all' ? '' : ` with status ${filters.status}`}.
            </EmptyState>
          }
          columns={7}
          head={
            <>
              <th>Campaign</th>
              <th>Status</th>
              <th>Send time</th>
              <th className={ui.num}>Recipients</th>
              <th className={ui.num}>Open rate</th>
              <th className={ui.num}>Click rate</th>
              <th className={ui.num}>Revenue</th>
            </>
          }
          row={(c) => (
            <tr key={c.id}>
              <td>
                <span className={ui.strong}>{c.name}</span>
                <div className={`${ui.muted} ${ui.mono}`}>
                  {c.id}
                  {c.archived ? ' · archived' : ''}
                </div>
              </td>
              <td>
                <Badge tone={toneOf(c.status)}>{c.status}</Badge>
              </td>
              <td className={ui.muted}>{formatDateTime(c.sendTime)}</td>
              <td className={ui.num}>{metric(c.id, (r) => formatNumber(r.recipients))}</td>
              <td className={ui.num}>{metric(c.id, (r) => formatPercent(r.openRate))}</td>
              <td className={ui.num}>{metric(c.id, (r) => formatPercent(r.clickRate))}</td>
              <td className={`${ui.num} ${ui.strong}`}>
                {metric(c.id, (r) => formatMoney(r.revenue, currency))}
              </td>
            </tr>
          )}
        />
      </Card>
    </>
  );
}
