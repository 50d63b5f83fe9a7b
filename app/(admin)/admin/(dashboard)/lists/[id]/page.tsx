import type { Metadata } from 'next';
import { notFound } from 'next/navigation';
import { ListDetailView } from '@/components/admin/views/list-detail-view';
import { klaviyoId } from '@/lib/admin/http';
import { requireMerchantPage } from '@/lib/auth';
import { addListMember, removeListMember } from '../actions';

export const metadata: Metadata = { title: 'List' };

export default async function ListPage({ params }: { params: Promise<{ id: string }> }) {
  const { id } = await params;
  await requireMerchantPage(`/admin/lists/${encodeURIComponent(id)}`);
  if (!klaviyoId.safeParse(id).success) notFound();
  return <ListDetailView listId={id} actions={{ addListMember, removeListMember }} />;
}
