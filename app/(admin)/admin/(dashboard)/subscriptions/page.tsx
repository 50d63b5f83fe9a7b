import type { Metadata } from 'next';
import { Badge, Card, PageHeader, type Tone } from '@/components/klaviyo-admin/ui/layout';
import { EmptyState } from '@/components/klaviyo-admin/ui/states';
import ui from '@/components/klaviyo-admin/ui.module.css';
import { app } from '@/lib/app';
import { requireMerchantPage } from '@/lib/auth';
import { listSubscriptions, subscriptionSnapshot } from '@/lib/store/subscriptions/records';
import { cancelSubscription, chargeSubscription, pauseSubscription, resumeSubscription } from './actions';
import { SubscriptionActions } from './subscription-actions';

export const metadata: Metadata = { title: 'Subscriptions' };
// The list is the store's own table, read on every request.
export const dynamic = 'force-dynamic';

const TONE: Record<string, Tone> = { active: 'green', paused: 'amber', cancelled: 'gray' };
const money = (cents: number, currency: string) =>
  new Intl.NumberFormat('en-US', { style: 'currency', currency }).format(cents / 100);
const date = (ms: number | null) => (ms === null ? '—' : new Date(ms).toISOString().slice(0, 10));

export default async function SubscriptionsPage() {
  await requireMerchantPage('/admin/subscriptions');
  const rows = await listSubscriptions(app.store.db);
  const actions = {
    pause: pauseSubscription,
    resume: resumeSubscription,
    cancel: cancelSubscription,
    charge: chargeSubscription,
  };
  return (
    <>
      <PageHeader
        title="Subscriptions"
        subtitle="Subscribe-and-save plans. Each change records its Klaviyo event (Subscription Started, Renewed, Paused, Resumed, Cancelled) and updates the shopper's profile. Charge now stands in for the billing run."
      />
      <Card flush>
        {rows.length === 0 ? (
          <EmptyState title="No subscriptions yet">
            Shoppers subscribe from a product page with a plan.
          </EmptyState>
        ) : (
          <div className={ui.tableWrap}>
            <table className={ui.table} data-testid="subscriptions">
              <thead>
                <tr>
                  <th>Subscription</th>
                  <th>Customer</th>
                  <th>Plan</th>
                  <th>Product</th>
                  <th>Per period</th>
                  <th>Status</th>
                  <th>Next charge</th>
                  <th>Charges</th>
                  <th>Actions</th>
                </tr>
              </thead>
              <tbody>
                {rows.map((row) => {
                  const snapshot = subscriptionSnapshot(row);
                  return (
                    <tr key={row.id} data-testid={`subscription-${row.id}`}>
                      <td className={ui.mono}>{row.id}</td>
                      <td>{row.email}</td>
                      <td>{snapshot.planName}</td>
                      <td>
                        {snapshot.productName} × {row.quantity}
                      </td>
                      <td>{money(row.recurring_cents, row.currency)}</td>
                      <td>
                        <Badge tone={TONE[row.status] ?? 'gray'}>{row.status}</Badge>
                      </td>
                      <td>{date(row.next_charge_at)}</td>
                      <td>{row.charges_count}</td>
                      <td>
                        <SubscriptionActions
                          subscriptionId={row.id}
                          status={row.status}
                          nextChargeNumber={row.charges_count + 1}
                          actions={actions}
                        />
                      </td>
                    </tr>
                  );
                })}
              </tbody>
            </table>
          </div>
        )}
      </Card>
    </>
  );
}
