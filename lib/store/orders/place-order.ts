import 'server-only';
import type { CountryCode } from 'libphonenumber-js';
import sql from 'sql-template-tag';
import { buildIdentity, type ProfileIdentity } from '../../klaviyo-next/events/identity';
import { fieldErrorOf } from '../../klaviyo-next/http/field-error';
import type { SqlExecutor } from '../../klaviyo-next/sql/types';
import { loadCart } from '../cart';
import { shippedVariant } from '../catalog';
import { CONSENT_DISCLOSURES } from '../consent-disclosures';
import { recordCheckoutConsent } from '../customer-consent-change';
import { recordCustomerOrder } from '../customers';
import type { StoreDeps } from '../deps';
import { formInput } from '../form-input';
import { stockOf, takeStockForLines } from '../inventory';
import { grantOrderAccess } from '../order-access';
import { markStockChanged } from '../products/messages';
import { type ActionResult, asResult, StoreError } from '../result';
import { retryOnConflict } from '../retry-conflict';
import { type CheckoutInput, checkoutInput } from './checkout-input';
import { checkoutMessages } from './checkout-messages';
import { orderLines, priceCart } from './pricing';
import { findOrder, insertOrder, nextOrderId } from './records';
import type { OrderRecord, OrderStatus } from './types';

/** What the shopper is shown after checkout. */
export interface OrderConfirmation {
  orderId: string;
  status: OrderStatus;
  currency: string;
  totalCents: number;
}

export interface PlacedOrder extends OrderConfirmation {
  /** True when this cart had already become an order (a double submit): nothing new was written. */
  alreadyPlaced: boolean;
  /**
   * A new order access token for the httpOnly cookie (lib/store/order-access.ts): this browser may see
   * this order and the ones it placed before. Not a sign-in, and never returned to the browser as data.
   */
  orderAccess?: string;
}

/** The shopper's name and the shipping address fill in what the billing address leaves out. */
function withNames(address: CheckoutInput['shippingAddress'], form: CheckoutInput) {
  return {
    ...address,
    firstName: address.firstName ?? form.firstName,
    lastName: address.lastName ?? form.lastName,
  };
}

/** "Organic Cotton Tee (M)", for a line checkout cannot fill. */
function variantLabel(variantId: string): string {
  const found = shippedVariant(variantId);
  return found ? `${found.product.title} (${found.variant.option})` : variantId;
}

async function writeOrder(
  tx: SqlExecutor,
  deps: StoreDeps,
  form: CheckoutInput,
  identity: ProfileIdentity,
  previousAccess: string | undefined,
) {
  const now = deps.now();
  // Touching the cart row first locks it: a double submit waits here, then sees the order.
  const [cartRow] = await tx.query<{ status: string; order_id: string | null }>(
    sql`UPDATE store_carts SET updated_at = ${now} WHERE id = ${form.cartId} RETURNING status, order_id`,
  );
  if (!cartRow) throw new StoreError('This cart does not exist.', 'cartId');
  if (cartRow.status === 'ordered' && cartRow.order_id) {
    const existing = await findOrder(tx, cartRow.order_id, deps.storeUrl);
    if (!existing) throw new Error(`cart ${form.cartId} names a missing order ${cartRow.order_id}`);
    const { id: orderId, status, currency, totalCents } = existing;
    return { orderId, status, currency, totalCents, alreadyPlaced: true };
  }
  const cart = await loadCart(tx, form.cartId);
  if (!cart || cart.lines.length === 0) throw new StoreError('The cart is empty.', 'cartId');
  // Stock first: taking it locks the lines' inventory rows, which a price change or a deletion locks
  // too, so the prices read next are the ones committed before this order or after it, never a mix.
  const short = await takeStockForLines(tx, cart.lines, now);
  if (short) {
    const left = await stockOf(tx, short.variantId);
    const what = variantLabel(short.variantId);
    throw new StoreError(left === 0 ? `${what} is sold out.` : `Only ${left} of ${what} left.`, 'cartId');
  }
  const priced = await priceCart(tx, cart);
  const orderId = await nextOrderId(tx);
  const details = {
    email: form.email,
    phone: identity.phone_number,
    firstName: form.firstName,
    lastName: form.lastName,
  };
  const customer = await recordCustomerOrder(tx, details, now);
  const shippingAddress = withNames(form.shippingAddress, form);
  const order: OrderRecord = {
    id: orderId,
    cartId: cart.id,
    customerId: customer.id,
    status: 'placed',
    currency: cart.currency,
    customer: details,
    shippingAddress,
    billingAddress: form.billingAddress ? withNames(form.billingAddress, form) : shippingAddress,
    ...priced,
    refundedCents: 0,
    placedAt: now,
    lines: orderLines(orderId, priced.items, deps.storeUrl),
  };
  await insertOrder(tx, order);
  await tx.query(
    sql`UPDATE store_carts SET status = 'ordered', order_id = ${orderId}, customer_email = ${form.email} WHERE id = ${cart.id}`,
  );
  const consent = {
    ...(form.marketing.email ? { email: CONSENT_DISCLOSURES.email } : {}),
    ...(form.marketing.sms ? { sms: CONSENT_DISCLOSURES.sms } : {}),
  };
  const facts = {
    order,
    identity,
    lifetimeOrders: customer.ordersCount,
    consent,
    listId: deps.newsletterListId,
  };
  // A ticked box is a new, explicit consent: recorded on her, as sent. An empty one records nothing,
  // so an unsubscribe (hers, or Klaviyo's reported back) stands. Recorded before the enqueue: every
  // store-side consent change locks her consent row first, then the outbox's (no deadlock on Postgres).
  await recordCheckoutConsent(
    tx,
    customer.id,
    {
      email: consent.email ? identity.email : undefined,
      sms: consent.sms ? identity.phone_number : undefined,
    },
    now,
  );
  await deps.outbox.enqueue(tx, checkoutMessages(facts, deps.log), now);
  // Klaviyo's catalogue hears of the stock taken: a mark per variant, sent as the product then is.
  await markStockChanged(
    deps.catalog,
    tx,
    priced.items.map((i) => ({ productId: i.product.id, variantId: i.variant.id })),
  );
  // The order is recorded against the customer of the typed email (her lifetime order count), but
  // the browser gets access to this order only: typing an email proves nothing about it.
  const orderAccess = await grantOrderAccess(tx, orderId, previousAccess, now);
  return {
    orderId,
    status: order.status,
    currency: order.currency,
    totalCents: order.totalCents,
    alreadyPlaced: false,
    orderAccess,
  };
}

/**
 * Places the order for a cart. One transaction writes the order, its lines, the stock taken and the
 * outbox messages (Placed Order, one Ordered Product per line, the profile update and any consent),
 * so an order exists if and only if Klaviyo will hear of it. Delivery is only scheduled: checkout
 * never waits for Klaviyo. A phone number that is not a real number is dropped (and logged), not fatal.
 */
export async function placeOrder(
  deps: StoreDeps,
  input: unknown,
  /**
   * Klaviyo's exchange id from the browser's `__kla_id` cookie, so the order joins the shopper's
   * browsing, and the browser's current order access token, whose orders the new token carries
   * over; read only once the input is valid.
   */
  browser: () => Promise<{ exchangeId?: string; orderAccess?: string }> = async () => ({}),
): Promise<ActionResult<PlacedOrder>> {
  const parsed = checkoutInput.safeParse(formInput(input));
  if (!parsed.success) return { ok: false, error: fieldErrorOf(parsed.error) };
  const form = parsed.data;
  const seen = await browser();
  const customer = {
    email: form.email,
    phone: form.phone,
    firstName: form.firstName,
    lastName: form.lastName,
    exchangeId: seen.exchangeId,
  };
  const { identity, dropped } = buildIdentity(customer, form.shippingAddress.country as CountryCode);
  for (const { field, reason } of dropped) {
    // The reason quotes what was typed; the log keeps the fact, not the shopper's data.
    deps.log('checkout.identifier_dropped', {
      cartId: form.cartId,
      field,
      reason: reason.replace(/'[^']*'/, '<redacted>'),
    });
  }
  if (!identity.email)
    return { ok: false, error: { field: 'email', message: 'email: is not an email address' } };
  const result = await asResult(() =>
    retryOnConflict(() =>
      deps.db.transaction((tx) => writeOrder(tx, deps, form, identity, seen.orderAccess)),
    ),
  );
  if (result.ok && !result.data.alreadyPlaced) deps.scheduleDelivery();
  return result;
}
