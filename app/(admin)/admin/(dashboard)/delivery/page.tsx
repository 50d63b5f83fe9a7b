import type { Metadata } from 'next';
import { DeliveryView } from '@/components/klaviyo-admin/views/delivery-view';
import { requireMerchantPage } from '@/lib/auth';
import { DELIVERY_STATES, type DeliveryState } from '@/lib/klaviyo-next/dashboard/contracts';
import { replayAllDeadLetters, replayDeadLetter } from './actions';

export const metadata: Metadata = { title: 'Delivery' };

export default async function DeliveryPage({ searchParams }: { searchParams: Promise<{ state?: string }> }) {
  await requireMerchantPage('/admin/delivery');
  const { state } = await searchParams;
  const initial = DELIVERY_STATES.includes(state as DeliveryState) ? (state as DeliveryState) : 'all';
  return <DeliveryView initialState={initial} actions={{ replayDeadLetter, replayAllDeadLetters }} />;
}
