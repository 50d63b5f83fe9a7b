import type { ReactNode } from 'react';
import { AdminShell } from '@/components/admin/shell/admin-shell';
import { QueryProvider } from '@/components/klaviyo-admin/query-provider';
import { requireMerchantPage } from '@/lib/auth';
import { env } from '@/lib/env';

/**
 * The signed-in frame. Its session check decides what the frame shows; it protects nothing on its
 * own (a layout is not re-run for every page request), so each page, route handler and action
 * checks the session again itself.
 */
export default async function DashboardLayout({ children }: { children: ReactNode }) {
  const session = await requireMerchantPage('/admin');
  const { klaviyo } = env();
  return (
    <QueryProvider>
      <AdminShell
        email={session.user.email ?? 'admin'}
        mode={klaviyo.live ? 'live' : 'emulator'}
        accountLabel={klaviyo.live ? 'Store admin' : 'Northwind Goods'}
      >
        {children}
      </AdminShell>
    </QueryProvider>
  );
}
