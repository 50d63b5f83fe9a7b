import type { Metadata } from 'next';
import Link from 'next/link';
import { notFound } from 'next/navigation';
import { CheckIcon } from '@/components/store/icons';
import { OrderSummary } from '@/components/store/order-summary';
import { storeDeps } from '@/lib/store/deps';
import { formatDate } from '@/lib/store/format';
import { STATUS_LABELS } from '@/lib/store/orders/status';
import { productImage } from '@/lib/store/product-art';
import { orderForShopper } from '@/lib/store/shopper-orders';
import { getShopper } from '../../_lib/session';

const countryNames = new Intl.DisplayNames(['en'], { type: 'region' });

export const metadata: Metadata = { title: 'Order confirmed', robots: { index: false } };

/**
 * The order confirmation (and the account's order detail). Only the order's own shopper sees it: the
 * session cookie checkout set must name the order's customer; anyone else gets a 404.
 */
export default async function OrderPage({ params }: { params: Promise<{ orderId: string }> }) {
  const { orderId } = await params;
  const shopper = await getShopper();
  const order = await orderForShopper(await storeDeps(), orderId, shopper?.customerId);
  if (!order) notFound();
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
        {shopper && !shopper.hasAccount ? (
          <section className="callout" aria-labelledby="save-details-title">
            <h2 id="save-details-title">Save your details for next time</h2>
            <p>Create an account to check out faster and see your orders in one place.</p>
            <Link href="/account/sign-up" className="button button--secondary">
              Create an account
            </Link>
          </section>
        ) : null}
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
