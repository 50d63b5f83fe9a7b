'use client';

import { useInfiniteQuery } from '@tanstack/react-query';
import { useState } from 'react';
import {
  type FlowSummary,
  formatMoney,
  formatNumber,
  formatPercent,
  humanize,
  type Period,
} from '@/lib/klaviyo-next/browser';
import { flowsQuery } from '../queries';
import { Freshness } from '../ui/freshness';
import { Badge, Card, PageHeader, toneOf } from '../ui/layout';
import { PagedTable } from '../ui/paged-table';
import { PeriodSelect, replaceSearchParam } from '../ui/period-select';
import { EmptyState } from '../ui/states';
import ui from '../ui.module.css';
import { PerformanceError, performanceOf } from './performance';

const ACTION_NAMES: Record<string, [string, string]> = {
  'send-email': ['email', 'emails'],
  'send-sms': ['SMS', 'SMS'],
  'send-push-notification': ['push', 'pushes'],
  'time-delay': ['delay', 'delays'],
  'conditional-split': ['split', 'splits'],
  'trigger-split': ['trigger split', 'trigger splits'],
  'ab-test': ['A/B test', 'A/B tests'],
  'update-profile': ['profile update', 'profile updates'],
  webhook: ['webhook', 'webhooks'],
};

/** "3 emails · 2 delays · 1 SMS". */
function actionSummary(actions: FlowSummary['actions']) {
  if (!actions.value) {
    if (actions.error) return <span className={ui.muted}>unavailable</span>;
    return <span className={ui.skeleton} style={{ display: 'inline-block', width: 120 }} />;
  }
  if (actions.value.length === 0) return <span className={ui.muted}>No actions</span>;
  const counts = new Map<string, number>();
  for (const a of actions.value) counts.set(a.type, (counts.get(a.type) ?? 0) + 1);
  return [...counts]
    .map(([type, n]) => {
      const [one, many] = ACTION_NAMES[type] ?? [humanize(type).toLowerCase(), humanize(type).toLowerCase()];
      return `${n} ${n === 1 ? one : many}`;
    })
    .join(' · ');
}

export function FlowsView({ initialPeriod }: { initialPeriod: Period }) {
  const [period, setPeriod] = useState(initialPeriod);
  const query = useInfiniteQuery(flowsQuery(period));
  const report = query.data?.pages[0]?.report;
  const { currency, metric } = performanceOf(report);
  return (
    <>
      <PageHeader
        title="Flows"
        subtitle="Automations triggered by what shoppers do, with the revenue Klaviyo attributes to them."
        actions={
          <>
            <Freshness cached={report} label="Performance updated" />
            <PeriodSelect
              value={period}
              onChange={(p) => {
                setPeriod(p);
                replaceSearchParam('period', p);
              }}
            />
          </>
        }
      />
      <Card flush>
        <PerformanceError report={report} />
        <PagedTable
          query={query}
          testId="flows-table"
          nouns={['flow', 'flows']}
          empty={
            <EmptyState icon="flows" title="No flows yet">
              Flows built in Klaviyo (welcome series, abandoned cart...) appear here.
            </EmptyState>
          }
          columns={7}
          head={
            <>
              <th>Flow</th>
              <th>Status</th>
              <th>Trigger</th>
              <th>Actions</th>
              <th className={ui.num}>Recipients</th>
              <th className={ui.num}>Open rate</th>
              <th className={ui.num}>Revenue</th>
            </>
          }
          row={(f) => (
            <tr key={f.id}>
              <td>
                <span className={ui.strong}>{f.name}</span>
                <div className={`${ui.muted} ${ui.mono}`}>
                  {f.id}
                  {f.archived ? ' · archived' : ''}
                </div>
              </td>
              <td>
                <Badge tone={toneOf(f.status)}>{f.status ? humanize(f.status) : 'Unknown'}</Badge>
              </td>
              <td className={ui.muted}>{f.triggerType ?? '—'}</td>
              <td className={ui.small}>{actionSummary(f.actions)}</td>
              <td className={ui.num}>{metric(f.id, (r) => formatNumber(r.recipients))}</td>
              <td className={ui.num}>{metric(f.id, (r) => formatPercent(r.openRate))}</td>
              <td className={`${ui.num} ${ui.strong}`}>
                {metric(f.id, (r) => formatMoney(r.revenue, currency))}
              </td>
            </tr>
          )}
        />
      </Card>
    </>
  );
}
