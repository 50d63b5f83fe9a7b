import type { Metadata } from 'next';
import Link from 'next/link';
import { redirect } from 'next/navigation';
import { MySubscriptionActions } from '@/components/store/my-subscription-actions';
import { app } from '@/lib/app';
import { formatDate, formatMoney } from '@/lib/store/format';
import { listSubscriptions, subscriptionSnapshot } from '@/lib/store/subscriptions/records';
import { getShopper } from '../../_lib/session';
import { cancelMySubscription, pauseMySubscription, resumeMySubscription } from '../../subscriptions/actions';

export const metadata: Metadata = { title: 'Your subscriptions', robots: { index: false } };

/** The signed-in shopper's subscriptions (hers only), with pause, resume and cancel. */
export default async function MySubscriptionsPage() {
  const shopper = await getShopper();
  if (!shopper?.hasAccount) redirect('/account/sign-in?next=/account/subscriptions');
  const rows = await listSubscriptions(app.store.db, { customerId: shopper.customerId });
  const actions = { pause: pauseMySubscription, resume: resumeMySubscription, cancel: cancelMySubscription };
  return (
    <div className="page page--narrow">
      <header className="page-head">
        <p className="eyebrow">
          <Link href="/account">Your account</Link>
        </p>
        <h1 className="page-title">Subscriptions</h1>
      </header>
      {rows.length === 0 ? (
        <div className="empty">
          <p>No subscriptions yet. Products with a plan offer “Subscribe and save”.</p>
        </div>
      ) : (
        <table className="orders-table">
          <thead>
            <tr>
              <th scope="col">Subscription</th>
              <th scope="col">Plan</th>
              <th scope="col">Status</th>
              <th scope="col">Next charge</th>
              <th scope="col" className="num">
                Per period
              </th>
              <th scope="col">
                <span className="visually-hidden">Actions</span>
              </th>
            </tr>
          </thead>
          <tbody>
            {rows.map((row) => {
              const snapshot = subscriptionSnapshot(row);
              return (
                <tr key={row.id}>
                  <td>{row.id}</td>
                  <td>
                    {snapshot.planName}: {snapshot.productName} × {row.quantity}
                  </td>
                  <td>{row.status}</td>
                  <td>{row.next_charge_at === null ? '—' : formatDate(row.next_charge_at)}</td>
                  <td className="num">{formatMoney(row.recurring_cents, row.currency)}</td>
                  <td>
                    <MySubscriptionActions subscriptionId={row.id} status={row.status} actions={actions} />
                  </td>
                </tr>
              );
            })}
          </tbody>
        </table>
      )}
    </div>
  );
}
