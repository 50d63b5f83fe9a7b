import type { Metadata } from 'next';
import { SegmentsView } from '@/components/klaviyo-admin/views/segments-view';
import { requireMerchantPage } from '@/lib/auth';

export const metadata: Metadata = { title: 'Segments' };

export default async function SegmentsPage() {
  await requireMerchantPage('/admin/segments');
  return <SegmentsView />;
}
