import type { Metadata } from 'next';
import { notFound } from 'next/navigation';
import { SegmentDetailView } from '@/components/klaviyo-admin/views/segment-detail-view';
import { requireMerchantPage } from '@/lib/auth';
import { klaviyoId } from '@/lib/klaviyo-next/dashboard/http';

export const metadata: Metadata = { title: 'Segment' };

export default async function SegmentPage({ params }: { params: Promise<{ id: string }> }) {
  const { id } = await params;
  await requireMerchantPage(`/admin/segments/${encodeURIComponent(id)}`);
  if (!klaviyoId.safeParse(id).success) notFound();
  return <SegmentDetailView segmentId={id} />;
}
