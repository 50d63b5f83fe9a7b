import type { Metadata } from 'next';
import Link from 'next/link';
import { redirect } from 'next/navigation';
import { app } from '@/lib/app';
import { formatDate, formatMoney } from '@/lib/store/format';
import { STATUS_LABELS } from '@/lib/store/orders/status';
import { ordersOfCustomer } from '@/lib/store/shopper-orders';
import { getShopper } from '../_lib/session';
import { signOut } from './actions';

export const metadata: Metadata = { title: 'Your account', robots: { index: false } };

/** The signed-in shopper's account: their details and order history. */
export default async function AccountPage() {
  const shopper = await getShopper();
  if (!shopper?.hasAccount) redirect('/account/sign-in');
  const orders = await ordersOfCustomer(app.store, shopper.customerId);
  return (
    <div className="page page--narrow">
      <header className="page-head page-head--split">
        <div>
          <p className="eyebrow">Your account</p>
          <h1 className="page-title">Hello, {shopper.firstName ?? 'there'}</h1>
          <p className="page-lead">{shopper.email}</p>
          <p>
            <Link href="/account/preferences">Email and SMS preferences</Link>
            {' · '}
            <Link href="/account/subscriptions">Subscriptions</Link>
          </p>
        </div>
        <form action={signOut}>
          <button type="submit" className="button button--secondary">
            Sign out
          </button>
        </form>
      </header>
      <section aria-labelledby="orders-title">
        <h2 id="orders-title" className="section__title">
          Orders
        </h2>
        {orders.length === 0 ? (
          <div className="empty">
            <p>No orders yet.</p>
            <Link href="/collections/all" className="button button--primary">
              Start shopping
            </Link>
          </div>
        ) : (
          <table className="orders-table">
            <thead>
              <tr>
                <th scope="col">Order</th>
                <th scope="col">Date</th>
                <th scope="col">Status</th>
                <th scope="col">Items</th>
                <th scope="col" className="num">
                  Total
                </th>
              </tr>
            </thead>
            <tbody>
              {orders.map((o) => (
                <tr key={o.id}>
                  <th scope="row">
                    <Link href={`/orders/${o.id}`}>{o.id}</Link>
                  </th>
                  <td>{formatDate(o.placedAt)}</td>
                  <td>
                    <span className={`status status--${o.status}`}>
                      {STATUS_LABELS[o.status] ?? o.status}
                    </span>
                  </td>
                  <td>{o.itemCount}</td>
                  <td className="num">{formatMoney(o.totalCents, o.currency)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
      </section>
      <section aria-labelledby="data-title">
        <h2 id="data-title" className="section__title">
          Your data
        </h2>
        <p>
          <Link href="/account/erase">Erase my data</Link>: your account and the personal details on your
          orders, here and at Klaviyo.
        </p>
      </section>
    </div>
  );
}
