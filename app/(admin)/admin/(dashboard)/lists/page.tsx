import type { Metadata } from 'next';
import { ListsView } from '@/components/klaviyo-admin/views/lists-view';
import { requireMerchantPage } from '@/lib/auth';
import { createList } from './actions';

export const metadata: Metadata = { title: 'Lists' };

export default async function ListsPage() {
  await requireMerchantPage('/admin/lists');
  return <ListsView createList={createList} />;
}
