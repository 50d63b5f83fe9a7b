import type { Metadata } from 'next';
import { FlowsView } from '@/components/klaviyo-admin/views/flows-view';
import { requireMerchantPage } from '@/lib/auth';
import { DEFAULT_PERIOD, PERIODS, type Period } from '@/lib/klaviyo-next/dashboard/contracts';

export const metadata: Metadata = { title: 'Flows' };

export default async function FlowsPage({ searchParams }: { searchParams: Promise<{ period?: string }> }) {
  await requireMerchantPage('/admin/flows');
  const { period } = await searchParams;
  return (
    <FlowsView initialPeriod={PERIODS.includes(period as Period) ? (period as Period) : DEFAULT_PERIOD} />
  );
}
