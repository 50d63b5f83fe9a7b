import type { Metadata } from 'next';
import { OverviewView } from '@/components/admin/views/overview-view';
import { DEFAULT_PERIOD, PERIODS, type Period } from '@/lib/admin/contracts';
import { requireMerchantPage } from '@/lib/auth';
import { refreshReports } from './actions';

export const metadata: Metadata = { title: 'Overview' };

export default async function OverviewPage({ searchParams }: { searchParams: Promise<{ period?: string }> }) {
  await requireMerchantPage('/admin');
  const { period } = await searchParams;
  const initial = PERIODS.includes(period as Period) ? (period as Period) : DEFAULT_PERIOD;
  return <OverviewView initialPeriod={initial} refreshReports={refreshReports} />;
}
