import type { Metadata } from 'next';
import { CampaignsView } from '@/components/klaviyo-admin/views/campaigns-view';
import { requireMerchantPage } from '@/lib/auth';
import {
  CAMPAIGN_CHANNELS,
  CAMPAIGN_STATUS_FILTERS,
  DEFAULT_PERIOD,
  PERIODS,
} from '@/lib/klaviyo-next/dashboard/contracts';

export const metadata: Metadata = { title: 'Campaigns' };

const pick = <T extends string>(options: readonly T[], value: string | undefined, fallback: T): T =>
  options.includes(value as T) ? (value as T) : fallback;

export default async function CampaignsPage({
  searchParams,
}: {
  searchParams: Promise<{ channel?: string; status?: string; period?: string }>;
}) {
  await requireMerchantPage('/admin/campaigns');
  const params = await searchParams;
  return (
    <CampaignsView
      initial={{
        channel: pick(CAMPAIGN_CHANNELS, params.channel, 'email'),
        status: pick([...CAMPAIGN_STATUS_FILTERS, 'all'] as const, params.status, 'all'),
        period: pick(PERIODS, params.period, DEFAULT_PERIOD),
      }}
    />
  );
}
