import type { Metadata } from 'next';
import { FlowsView } from '@/components/admin/views/flows-view';
import { DEFAULT_PERIOD, PERIODS, type Period } from '@/lib/admin/contracts';
import { requireMerchantPage } from '@/lib/auth';

export const metadata: Metadata = { title: 'Flows' };

export default async function FlowsPage({ searchParams }: { searchParams: Promise<{ period?: string }> }) {
  await requireMerchantPage('/admin/flows');
  const { period } = await searchParams;
  return (
    <FlowsView initialPeriod={PERIODS.includes(period as Period) ? (period as Period) : DEFAULT_PERIOD} />
  );
}
