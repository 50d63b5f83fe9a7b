import type { Metadata } from 'next';
import Link from 'next/link';
import { CartLineControls } from '@/components/store/cart-line-controls';
import { RestoreCart } from '@/components/store/restore-cart';
import { MAX_LINE_QUANTITY } from '@/lib/store/cart';
import { formatMoney, formatPrice } from '@/lib/store/format';
import { FREE_SHIPPING_FROM_CENTS } from '@/lib/store/orders/pricing';
import { productImage } from '@/lib/store/product-art';
import { getCart } from '../_lib/session';
import { removeFromCart, restoreCart, updateCartLine } from './actions';

export const metadata: Metadata = { title: 'Your bag' };

/** The bag: lines with quantity controls, free-shipping progress, totals and the way to checkout. */
export default async function CartPage({ searchParams }: { searchParams: Promise<{ restore?: string }> }) {
  const { restore } = await searchParams;
  if (restore) {
    return (
      <div className="page page--narrow">
        <h1 className="page-title">Your bag</h1>
        <RestoreCart cartId={restore} restore={restoreCart} />
      </div>
    );
  }
  const cart = await getCart();
  if (!cart || cart.lines.length === 0) {
    return (
      <div className="page empty-page">
        <h1 className="page-title">Your bag is empty</h1>
        <p className="page-lead">Good things are waiting. Start with our bestsellers.</p>
        <Link href="/collections/all" className="button button--primary">
          Shop all products
        </Link>
      </div>
    );
  }
  const progress = Math.min(100, Math.round((cart.subtotalCents / FREE_SHIPPING_FROM_CENTS) * 100));
  return (
    <div className="page">
      <h1 className="page-title">Your bag</h1>
      <div className="cart">
        <section aria-label="Items in your bag">
          {cart.unavailable.length > 0 ? (
            <p className="form-alert">
              {cart.unavailable.length === 1 ? 'One item' : `${cart.unavailable.length} items`} in your bag is
              no longer sold and was left out.
            </p>
          ) : null}
          <ul className="cart-lines">
            {cart.lines.map((line) => (
              <li key={line.variantId} className="cart-line">
                <Link
                  href={`/products/${line.productSlug}?variant=${line.variantId}`}
                  className="cart-line__image"
                >
                  {/* biome-ignore lint/performance/noImgElement: local SVG illustrations */}
                  <img
                    src={productImage(line.productSlug, line.option)}
                    alt=""
                    width={800}
                    height={1000}
                    className="cart-line__img"
                  />
                </Link>
                <div className="cart-line__info">
                  <h2 className="cart-line__title">
                    <Link href={`/products/${line.productSlug}?variant=${line.variantId}`}>{line.title}</Link>
                  </h2>
                  <p className="cart-line__option">{line.option}</p>
                  <p className="cart-line__unit">{formatPrice(line.priceCents, cart.currency)} each</p>
                  <CartLineControls
                    variantId={line.variantId}
                    title={`${line.title}, ${line.option}`}
                    quantity={line.quantity}
                    max={MAX_LINE_QUANTITY}
                    updateLine={updateCartLine}
                    removeLine={removeFromCart}
                  />
                </div>
                <p className="cart-line__total">{formatMoney(line.lineTotalCents, cart.currency)}</p>
              </li>
            ))}
          </ul>
        </section>
        <aside className="cart-summary" aria-labelledby="cart-summary-title">
          <h2 id="cart-summary-title" className="summary__title">
            Summary
          </h2>
          <div className="shipping-progress">
            <p>
              {cart.toFreeShippingCents > 0 ? (
                <>
                  You’re <strong>{formatMoney(cart.toFreeShippingCents, cart.currency)}</strong> away from
                  free shipping.
                </>
              ) : (
                <>You’ve earned free shipping.</>
              )}
            </p>
            <progress max={100} value={progress} aria-label="Progress towards free shipping">
              {progress}%
            </progress>
          </div>
          <dl className="totals">
            <div>
              <dt>
                Subtotal ({cart.itemCount} {cart.itemCount === 1 ? 'item' : 'items'})
              </dt>
              <dd>{formatMoney(cart.subtotalCents, cart.currency)}</dd>
            </div>
            <div>
              <dt>Shipping</dt>
              <dd>{cart.shippingCents === 0 ? 'Free' : formatMoney(cart.shippingCents, cart.currency)}</dd>
            </div>
            <div className="totals__total">
              <dt>Total</dt>
              <dd>{formatMoney(cart.totalCents, cart.currency)}</dd>
            </div>
          </dl>
          <Link href="/checkout" className="button button--primary button--wide button--large">
            Check out
          </Link>
          <Link href="/collections/all" className="cart-summary__continue">
            Continue shopping
          </Link>
        </aside>
      </div>
    </div>
  );
}
