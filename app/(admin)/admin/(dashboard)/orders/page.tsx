import type { Metadata } from 'next';
import Link from 'next/link';
import { Badge, Card, PageHeader } from '@/components/klaviyo-admin/ui/layout';
import ui from '@/components/klaviyo-admin/ui.module.css';
import { app } from '@/lib/app';
import { requireMerchantPage } from '@/lib/auth';
import { listOrders, ORDER_PAGE_SIZE, ORDER_STATUSES } from '@/lib/store/orders/admin-orders';
import type { OrderStatus } from '@/lib/store/orders/types';
import { EmptyRow } from '../empty-row';
import { SearchForm } from '../search-form';
import { money, ORDER_STATUS, when } from './order-labels';

export const metadata: Metadata = { title: 'Orders' };

/** The store's orders, newest first: by status (tabs) and by order number, email or name (search). */
export default async function OrdersPage({
  searchParams,
}: {
  searchParams: Promise<{ status?: string; q?: string }>;
}) {
  await requireMerchantPage('/admin/orders');
  const params = await searchParams;
  const status = ORDER_STATUSES.includes(params.status as OrderStatus)
    ? (params.status as OrderStatus)
    : undefined;
  const search = params.q?.trim().slice(0, 100) || undefined;
  const orders = await listOrders(app.store.db, { status, search });
  const href = (s?: OrderStatus) => {
    const query = new URLSearchParams({ ...(s ? { status: s } : {}), ...(search ? { q: search } : {}) });
    return `/admin/orders${query.size ? `?${query}` : ''}`;
  };
  return (
    <>
      <PageHeader
        title="Orders"
        subtitle="Fulfil, track, cancel and refund the store's orders. Each change reaches Klaviyo as its event."
        actions={
          <SearchForm
            label="Search orders"
            placeholder="Order number, email or name"
            defaultValue={search}
            keep={{ status }}
            action="/admin/orders"
            maxLength={100}
            width={260}
          />
        }
      />
      <nav className={ui.tabs} aria-label="Order status">
        {[undefined, ...ORDER_STATUSES].map((s) => (
          <Link key={s ?? 'all'} href={href(s)} className={`${ui.tab} ${s === status ? ui.tabActive : ''}`}>
            {s ? ORDER_STATUS[s].label : 'All'}
          </Link>
        ))}
      </nav>
      <Card flush>
        <div className={ui.tableWrap}>
          <table className={ui.table} data-testid="orders-table">
            <thead>
              <tr>
                <th>Order</th>
                <th>Placed</th>
                <th>Customer</th>
                <th>Status</th>
                <th className={ui.num}>Total</th>
                <th className={ui.num}>Refunded</th>
              </tr>
            </thead>
            <tbody>
              {orders.map((o) => (
                <tr key={o.id}>
                  <td>
                    <Link className={ui.rowLink} href={`/admin/orders/${o.id}`}>
                      <span className={`${ui.strong} ${ui.mono}`}>{o.id}</span>
                    </Link>
                  </td>
                  <td className={ui.muted}>{when(o.placedAt)}</td>
                  <td>
                    <div>{o.name}</div>
                    <div className={`${ui.muted} ${ui.small}`}>{o.email}</div>
                  </td>
                  <td>
                    <Badge tone={ORDER_STATUS[o.status].tone}>{ORDER_STATUS[o.status].label}</Badge>
                  </td>
                  <td className={ui.num}>{money(o.totalCents, o.currency)}</td>
                  <td className={ui.num}>{o.refundedCents ? money(o.refundedCents, o.currency) : '—'}</td>
                </tr>
              ))}
              {orders.length === 0 && (
                <EmptyRow columns={6}>No orders{search ? ` match “${search}”` : ''}.</EmptyRow>
              )}
            </tbody>
          </table>
        </div>
      </Card>
      {orders.length === ORDER_PAGE_SIZE && (
        <p className={`${ui.muted} ${ui.small}`} style={{ marginTop: 12 }}>
          The newest {ORDER_PAGE_SIZE} are shown; search for an order number or email to find older ones.
        </p>
      )}
    </>
  );
}
