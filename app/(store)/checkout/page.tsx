import type { Metadata } from 'next';
import Link from 'next/link';
import { redirect } from 'next/navigation';
import { CheckoutForm } from '@/components/store/checkout-form';
import { OrderSummary } from '@/components/store/order-summary';
import { app } from '@/lib/app';
import { cartSnapshot } from '@/lib/store/cart-view';
import { formatMoney } from '@/lib/store/format';
import { SHIPPING_COUNTRIES } from '@/lib/store/orders/checkout-input';
import { productImage } from '@/lib/store/product-art';
import { getCart, getShopper } from '../_lib/session';
import { submitCheckout } from './actions';

export const metadata: Metadata = { title: 'Checkout' };

const countryNames = new Intl.DisplayNames(['en'], { type: 'region' });
const COUNTRIES = SHIPPING_COUNTRIES.map((code) => ({ code, name: countryNames.of(code) ?? code }));

/**
 * Checkout: contact (with email and SMS consent), shipping address, then the `submitCheckout` action.
 * The form tracks Started Checkout for the cart revision on screen (`started-checkout:<cartId>:<revision>`).
 */
export default async function CheckoutPage() {
  const [cart, shopper] = await Promise.all([getCart(), getShopper()]);
  if (!cart || cart.lines.length === 0) redirect('/cart');
  const snapshot = await cartSnapshot(app.store, cart);
  return (
    <div className="page checkout">
      <div className="checkout__main">
        <nav aria-label="Breadcrumb" className="breadcrumb">
          <ol>
            <li>
              <Link href="/cart">Bag</Link>
            </li>
            <li aria-current="page">Checkout</li>
          </ol>
        </nav>
        <h1 className="page-title">Checkout</h1>
        {shopper?.hasAccount ? (
          <p className="checkout__account">Signed in as {shopper.email}.</p>
        ) : (
          <p className="checkout__account">
            Have an account? <Link href="/account/sign-in?next=/checkout">Sign in</Link> for faster checkout.
          </p>
        )}
        <CheckoutForm
          action={submitCheckout}
          cart={snapshot}
          cartId={cart.id}
          totalLabel={formatMoney(cart.totalCents, cart.currency)}
          countries={COUNTRIES}
          defaults={{
            email: shopper?.email,
            firstName: shopper?.firstName,
            lastName: shopper?.lastName,
            country: 'US',
          }}
        />
      </div>
      <aside className="checkout__aside">
        <OrderSummary
          lines={cart.lines.map((l) => ({
            key: l.variantId,
            title: l.title,
            option: l.option,
            quantity: l.quantity,
            image: productImage(l.productSlug, l.option),
            lineTotalCents: l.lineTotalCents,
          }))}
          subtotalCents={cart.subtotalCents}
          shippingCents={cart.shippingCents}
          totalCents={cart.totalCents}
          currency={cart.currency}
        />
      </aside>
    </div>
  );
}
