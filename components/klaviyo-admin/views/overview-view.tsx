'use client';

import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { adminKeys, PERIOD_LABELS, type Period, timeUntil } from '@/lib/klaviyo-next/browser';
import { type Action, unwrap } from '../api';
import { HourlyBars } from '../charts/hourly-bars';
import { overviewQuery } from '../queries';
import { Freshness } from '../ui/freshness';
import { Icon } from '../ui/icons';
import { Card, PageHeader } from '../ui/layout';
import { PeriodSelect, replaceSearchParam } from '../ui/period-select';
import { ErrorState, SkeletonBlock } from '../ui/states';
import ui from '../ui.module.css';
import { OutboxHealthCard } from './outbox-health';
import { RevenueStats, TopEarnersCard } from './overview-revenue';

type RefreshResult = { campaigns: string; flows: string; nextRefreshAt: number | null };

export function OverviewView({
  initialPeriod,
  refreshReports,
}: {
  initialPeriod: Period;
  refreshReports: Action<{ period: Period }, RefreshResult>;
}) {
  const [period, setPeriod] = useState(initialPeriod);
  const queryClient = useQueryClient();
  const { data, error, refetch } = useQuery(overviewQuery(period));
  const refresh = useMutation({
    mutationFn: () => unwrap(refreshReports({ period })),
    onSuccess: () => queryClient.invalidateQueries({ queryKey: adminKeys.overview(period) }),
  });
  // The older of the two reports says how fresh the page is.
  const fetched = [data?.campaigns.fetchedAt, data?.flows.fetchedAt].filter((v): v is number => v != null);
  const freshness = data && {
    ...data.campaigns,
    fetchedAt: fetched.length ? Math.min(...fetched) : null,
    refreshing: data.campaigns.refreshing || data.flows.refreshing,
  };
  const refreshNote = refresh.data?.nextRefreshAt
    ? `Klaviyo allows 2 report reads a minute; the next refresh can run ${timeUntil(refresh.data.nextRefreshAt)}.`
    : refresh.data?.campaigns === 'fresh'
      ? 'Reports were refreshed less than two minutes ago.'
      : null;

  return (
    <>
      <PageHeader
        title="Overview"
        subtitle={`Revenue Klaviyo attributes to your campaigns and flows, and how your events reach Klaviyo · ${PERIOD_LABELS[period]}`}
        actions={
          <>
            {freshness && <Freshness cached={freshness} label="Reports updated" />}
            <PeriodSelect
              value={period}
              onChange={(p) => {
                setPeriod(p);
                replaceSearchParam('period', p);
              }}
            />
            <button
              type="button"
              className={ui.button}
              onClick={() => refresh.mutate()}
              disabled={refresh.isPending}
            >
              <Icon name="refresh" width={15} height={15} /> {refresh.isPending ? 'Refreshing…' : 'Refresh'}
            </button>
          </>
        }
      />
      {refresh.error && (
        <div className={ui.errorBox} style={{ marginBottom: 16 }}>
          {refresh.error.message}
        </div>
      )}
      {refreshNote && (
        <p className={`${ui.muted} ${ui.small}`} style={{ margin: '-8px 0 16px' }}>
          {refreshNote}
        </p>
      )}
      {error && !data ? (
        <Card>
          <ErrorState error={error} onRetry={() => refetch()} />
        </Card>
      ) : (
        <>
          <RevenueStats data={data} />
          <div className={ui.two} style={{ marginTop: 16 }}>
            <Card
              title="Events delivered per hour"
              action={<span className={`${ui.muted} ${ui.small}`}>Last 24 hours, from the outbox</span>}
            >
              {data ? <HourlyBars data={data.deliveredPerHour} /> : <SkeletonBlock height={200} />}
            </Card>
            <OutboxHealthCard health={data?.outbox} />
          </div>
          <div className={ui.halves}>
            <TopEarnersCard cached={data?.campaigns} kind="campaigns" />
            <TopEarnersCard cached={data?.flows} kind="flows" />
          </div>
        </>
      )}
    </>
  );
}
