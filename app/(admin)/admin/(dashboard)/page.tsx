import type { Metadata } from 'next';
import { OverviewView } from '@/components/klaviyo-admin/views/overview-view';
import { requireMerchantPage } from '@/lib/auth';
import { DEFAULT_PERIOD, PERIODS, type Period } from '@/lib/klaviyo-next/dashboard/contracts';
import { refreshReports } from './actions';

export const metadata: Metadata = { title: 'Overview' };

export default async function OverviewPage({ searchParams }: { searchParams: Promise<{ period?: string }> }) {
  await requireMerchantPage('/admin');
  const { period } = await searchParams;
  const initial = PERIODS.includes(period as Period) ? (period as Period) : DEFAULT_PERIOD;
  return <OverviewView initialPeriod={initial} refreshReports={refreshReports} />;
}
