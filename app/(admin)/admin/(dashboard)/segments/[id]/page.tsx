import type { Metadata } from 'next';
import { notFound } from 'next/navigation';
import { SegmentDetailView } from '@/components/admin/views/segment-detail-view';
import { klaviyoId } from '@/lib/admin/http';
import { requireMerchantPage } from '@/lib/auth';

export const metadata: Metadata = { title: 'Segment' };

export default async function SegmentPage({ params }: { params: Promise<{ id: string }> }) {
  const { id } = await params;
  await requireMerchantPage(`/admin/segments/${encodeURIComponent(id)}`);
  if (!klaviyoId.safeParse(id).success) notFound();
  return <SegmentDetailView segmentId={id} />;
}
