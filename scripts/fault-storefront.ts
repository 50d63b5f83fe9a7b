/**
 * A storefront on a sale day, as its own process (the fault suite starts it, SIGKILLs it mid-run and
 * starts another). Each checkout does what a host's does (tests/fixtures/host-store/lib/checkout.ts):
 * ONE Postgres transaction inserts the order row and enqueues, through the plugin's public API, its
 * Placed Order and Ordered Product events, the shopper's profile update and, on every
 * FAULT_CONSENT_EVERY-th order, the shopper's email consent; so Klaviyo must end up with exactly the
 * orders whose transaction committed. Delivery is left to the workers (`deliverSoon` does nothing).
 *
 * The shoppers are split between FAULT_LANES concurrent lanes, one lane per shopper, so a shopper's
 * orders commit one after another and "the newest profile values" is well defined: those of the
 * shopper's highest order id (ids come from a sequence, in commit order within a lane).
 *
 * Settings (environment): DATABASE_URL, FAULT_SCHEMA (where fault_orders and the outbox are),
 * KLAVIYO_API_URL / KLAVIYO_PRIVATE_KEY / KLAVIYO_PUBLIC_KEY, FAULT_SHOPPERS, FAULT_LANES,
 * FAULT_ORDERS_PER_SECOND, FAULT_CONSENT_EVERY, FAULT_LIST_ID. SIGTERM stops it after the checkouts
 * in flight.
 */
import sql from 'sql-template-tag';
import { createKlaviyoNext } from '../lib/klaviyo-next';
import { openPostgres } from '../lib/klaviyo-next/sql/postgres';
import type { SqlExecutor } from '../lib/klaviyo-next/sql/types';

const setting = (name: string, fallback?: string): string => {
  const value = process.env[name] ?? fallback;
  if (value === undefined || value === '') throw new Error(`fault storefront: ${name} is required`);
  return value;
};
const count = (name: string, fallback: string): number => {
  const value = Number(setting(name, fallback));
  if (!Number.isInteger(value) || value < 1)
    throw new Error(`fault storefront: ${name} must be a whole number, 1 or more`);
  return value;
};

const schema = setting('FAULT_SCHEMA');
const shoppers = count('FAULT_SHOPPERS', '200');
const lanes = Math.min(count('FAULT_LANES', '8'), shoppers);
const perSecond = count('FAULT_ORDERS_PER_SECOND', '50');
const consentEvery = count('FAULT_CONSENT_EVERY', '5');
const listId = setting('FAULT_LIST_ID');

const db = openPostgres(setting('DATABASE_URL'), { schema, max: lanes + 1 });
const klaviyo = createKlaviyoNext({
  env: process.env,
  sql: db,
  deliverSoon: () => undefined,
  log: () => undefined,
});

export const shopperEmail = (n: number) => `shopper${n}@sale.example`;

/** One checkout, all of it in the caller's transaction. */
async function checkout(tx: SqlExecutor, shopper: number, sequence: number): Promise<void> {
  const email = shopperEmail(shopper);
  const consent = sequence % consentEvery === 0;
  const [row] = await tx.query<{ id: number }>(
    sql`INSERT INTO fault_orders (email, consent) VALUES (${email}, ${consent}) RETURNING id`,
  );
  if (!row) throw new Error('the order insert returned no id');
  const orderId = `F${row.id}`;
  const placedAt = new Date().toISOString();
  const line = (n: number) => ({
    lineId: `${orderId}-l${n}`,
    productId: `p${n}`,
    variantId: `v${n}`,
    sku: `SKU-${n}`,
    name: `Sale item ${n}`,
    categories: ['Sale'],
    url: `https://sale.example/p/${n}`,
    priceCents: 1000 * n,
    quantity: 1,
  });
  const profile = { email };
  const messages = [
    ...klaviyo.orders.placed(
      {
        orderId,
        currency: 'USD',
        placedAt,
        customer: { email },
        lines: [line(1), line(2), line(3)],
        discountCents: 0,
        shippingCents: 0,
        taxCents: 0,
        totalCents: 6000,
      },
      profile,
    ),
    ...klaviyo.profileUpdated(`order:${orderId}`, {
      profile,
      properties: { 'Sale Last Order': row.id },
      location: { city: `City ${row.id}`, country: 'US' },
    }),
    ...(consent
      ? klaviyo.consentChanged({
          channel: 'email',
          status: 'SUBSCRIBED',
          profile,
          listId,
          consentedAt: placedAt,
          source: 'Checkout',
          disclosure: { text: 'Email me offers.', version: 'sale-1' },
        })
      : []),
  ];
  await klaviyo.enqueue(tx, messages);
  // The unique ids Klaviyo must end up with for this order, committed with it: the suite's ground truth.
  const eventIds = messages.flatMap((m) => (m.kind === 'event' ? [m.payload.uniqueId] : []));
  await tx.query(sql`UPDATE fault_orders SET event_ids = ${eventIds} WHERE id = ${row.id}`);
}

const stop = new AbortController();
for (const signal of ['SIGTERM', 'SIGINT'] as const) process.on(signal, () => stop.abort());
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

let placed = 0;
async function lane(index: number): Promise<void> {
  const mine = Array.from({ length: shoppers }, (_, n) => n).filter((n) => n % lanes === index);
  const gapMs = (1000 * lanes) / perSecond;
  let next = performance.now();
  for (let i = 0; !stop.signal.aborted; i++) {
    const shopper = mine[i % mine.length] ?? index;
    await db.transaction((tx) => checkout(tx, shopper, i + index));
    placed++;
    if (placed === 1) console.log('[storefront] placing orders');
    next += gapMs;
    const wait = next - performance.now();
    if (wait > 0) await sleep(wait);
    else next = performance.now(); // behind (a slow database): no catch-up burst
  }
}

await Promise.all(Array.from({ length: lanes }, (_, i) => lane(i)));
console.log(`[storefront] stopped after ${placed} orders`);
await db.close();
process.exit(0);
