import type { Metadata } from 'next';
import { notFound } from 'next/navigation';
import { ListDetailView } from '@/components/klaviyo-admin/views/list-detail-view';
import { requireMerchantPage } from '@/lib/auth';
import { klaviyoId } from '@/lib/klaviyo-next/dashboard/http';
import { addListMember, removeListMember } from '../actions';

export const metadata: Metadata = { title: 'List' };

export default async function ListPage({ params }: { params: Promise<{ id: string }> }) {
  const { id } = await params;
  await requireMerchantPage(`/admin/lists/${encodeURIComponent(id)}`);
  if (!klaviyoId.safeParse(id).success) notFound();
  return <ListDetailView listId={id} actions={{ addListMember, removeListMember }} />;
}
