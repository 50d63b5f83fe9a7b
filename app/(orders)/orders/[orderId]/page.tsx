import type { Metadata } from 'next';
import Link from 'next/link';
import { notFound } from 'next/navigation';
import { SaveOrderForm } from '@/components/store/account-forms';
import { CheckIcon } from '@/components/store/icons';
import { OrderSummary } from '@/components/store/order-summary';
import { app } from '@/lib/app';
import { MIN_PASSWORD_LENGTH } from '@/lib/store/accounts';
import { formatDate } from '@/lib/store/format';
import { STATUS_LABELS } from '@/lib/store/orders/status';
import { productImage } from '@/lib/store/product-art';
import { orderForShopper } from '@/lib/store/shopper-orders';
import { getOrderAccess, getShopper } from '../../../(store)/_lib/session';
import { saveOrderToAccount } from '../../../(store)/account/actions';

const countryNames = new Intl.DisplayNames(['en'], { type: 'region' });

export const metadata: Metadata = { title: 'Order confirmed', robots: { index: false } };

/**
 * The order confirmation (and the account's order detail). Only two viewers see it: the signed-in
 * account of the order's customer, and the browser that placed it (its order access cookie). Anyone
 * else, whatever the order number, gets the same 404 as for an order that does not exist.
 */
export default async function OrderPage({ params }: { params: Promise<{ orderId: string }> }) {
  const { orderId } = await params;
  const [shopper, orderAccess] = await Promise.all([getShopper(), getOrderAccess()]);
  const order = await orderForShopper(app.store, orderId, shopper?.customerId, orderAccess);
  if (!order) notFound();
  const signedInAsOwner = shopper?.customerId === order.customerId;
  const ship = order.shippingAddress;
  const justPlaced = order.status === 'placed';
  return (
    <div className="page confirmation">
      <div className="confirmation__main">
        <p className="confirmation__badge">
          <CheckIcon /> {STATUS_LABELS[order.status] ?? order.status}
        </p>
        <h1 className="page-title">
          {justPlaced ? `Thank you, ${order.customer.firstName}!` : `Order ${order.id}`}
        </h1>
        <p className="page-lead">
          {justPlaced ? (
            <>
              Your order <strong data-testid="order-number">{order.id}</strong> is confirmed. We’ve sent a
              receipt to {order.customer.email}.
            </>
          ) : (
            <>
              Placed on {formatDate(order.placedAt)}: <strong data-testid="order-number">{order.id}</strong>
            </>
          )}
        </p>
        <div className="confirmation__details">
          <section>
            <h2>Shipping to</h2>
            <address>
              {ship.firstName} {ship.lastName}
              <br />
              {ship.address1}
              {ship.address2 ? (
                <>
                  <br />
                  {ship.address2}
                </>
              ) : null}
              <br />
              {ship.city}
              {ship.region ? `, ${ship.region}` : ''} {ship.zip}
              <br />
              {ship.country ? (countryNames.of(ship.country) ?? ship.country) : null}
            </address>
          </section>
          <section>
            <h2>Contact</h2>
            <p>
              {order.customer.email}
              {order.customer.phone ? (
                <>
                  <br />
                  {order.customer.phone}
                </>
              ) : null}
            </p>
          </section>
          <section>
            <h2>Placed</h2>
            <p>{formatDate(order.placedAt)}</p>
          </section>
        </div>
        {signedInAsOwner ? null : (
          <section className="callout" aria-labelledby="save-details-title">
            <h2 id="save-details-title">Save this order to an account</h2>
            <p>
              Choose a password and we’ll email a link to {order.customer.email}. Follow it to create your
              account and see your orders in one place.
            </p>
            <SaveOrderForm
              action={saveOrderToAccount}
              orderId={order.id}
              minPasswordLength={MIN_PASSWORD_LENGTH}
            />
          </section>
        )}
        <Link href="/collections/all" className="button button--primary">
          Continue shopping
        </Link>
      </div>
      <aside className="checkout__aside">
        <OrderSummary
          title="Your order"
          lines={order.lines.map((l) => ({
            key: l.lineId,
            title: l.name,
            option: l.variantName ?? '',
            quantity: l.quantity,
            image: productImage(l.productId, l.variantName),
            lineTotalCents: l.priceCents * l.quantity,
          }))}
          subtotalCents={order.subtotalCents}
          shippingCents={order.shippingCents}
          totalCents={order.totalCents}
          currency={order.currency}
        />
      </aside>
    </div>
  );
}
