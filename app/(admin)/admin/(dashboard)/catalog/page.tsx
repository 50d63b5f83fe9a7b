import type { Metadata } from 'next';
import { CatalogFailures, CatalogSyncState } from '@/components/klaviyo-admin/catalog-failures';
import { PageHeader } from '@/components/klaviyo-admin/ui/layout';
import { app } from '@/lib/app';
import { requireMerchantPage } from '@/lib/auth';
import { Notice } from '../notice';

export const metadata: Metadata = { title: 'Catalog' };
export const dynamic = 'force-dynamic';

/** Klaviyo's catalogue as the sync keeps it: its state, and each object Klaviyo refused and why. */
export default async function CatalogPage() {
  await requireMerchantPage('/admin/catalog');
  // Guarded again inside the plugin: the data is never read without a merchant's session.
  const page = await app.klaviyo.catalog.dashboard();
  if (!page.ok) return <Notice role="alert">{page.message}</Notice>;
  return (
    <>
      <PageHeader
        title="Catalog"
        subtitle="Products, variants and categories in Klaviyo's catalogue. A full resync: npm run catalog:sync."
      />
      <CatalogSyncState overview={page.overview} />
      <CatalogFailures failures={page.overview.failures} />
    </>
  );
}
