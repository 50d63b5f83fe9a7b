import sql, { raw } from 'sql-template-tag';
import { afterAll, beforeAll, describe } from 'vitest';
import type { TrackEvent } from '../../lib/klaviyo-next/events/event.js';
import { OutboxStore } from '../../lib/klaviyo-next/outbox/store.js';
import type { OutboxMessage } from '../../lib/klaviyo-next/outbox/types.js';
import type { SqlDatabase } from '../../lib/klaviyo-next/sql/types.js';
import { addToCart, createCart } from '../../lib/store/cart.js';
import { CONSENT_DISCLOSURES } from '../../lib/store/consent-disclosures.js';
import type { StoreDeps } from '../../lib/store/deps.js';
import { placeOrder } from '../../lib/store/orders/place-order.js';
import { testLinks } from './account-links.js';
import { SHIPPING_ADDRESS } from './checkout-load.js';
import { dropPostgres, freshPostgres, freshSqlite } from './databases.js';
import { describeWithPostgres } from './requirements.js';

export const STORE_URL = 'https://shop.test';
export const LIST_ID = 'NwsLtr';

let clocks = 0;

/**
 * Store dependencies on a test database, with a log and trigger that record, and a clock of its own
 * (a day apart from every other) that ticks a second per read, so tests sharing a database never
 * produce the same fact at the same instant.
 */
export function testStoreDeps(db: SqlDatabase) {
  let t = Date.parse('2026-07-15T12:00:00Z') + clocks++ * 86_400_000;
  const logs: { event: string; fields: Record<string, unknown> }[] = [];
  const deliveries = { scheduled: 0 };
  const deps: StoreDeps = {
    db,
    outbox: new OutboxStore(db),
    now: () => (t += 1000),
    storeUrl: STORE_URL,
    newsletterListId: LIST_ID,
    log: (event, fields = {}) => logs.push({ event, fields }),
    scheduleDelivery: () => deliveries.scheduled++,
    // A secret of the test's own and a mailer that keeps what it sends (tests/support/account-links.ts).
    links: testLinks(),
  };
  return Object.assign(deps, { logs, deliveries });
}

export type TestStoreDeps = ReturnType<typeof testStoreDeps>;

/** A cart holding these variants and quantities. */
export async function cartWith(
  deps: StoreDeps,
  lines: [variantId: string, quantity: number][],
): Promise<string> {
  const cart = await createCart(deps);
  for (const [variantId, quantity] of lines) {
    const added = await addToCart(deps, { cartId: cart.id, variantId, quantity });
    if (!added.ok) throw new Error(`could not add ${variantId}: ${added.error.message}`);
  }
  return cart.id;
}

/** A complete, valid checkout form for a cart. */
export function checkoutForm(cartId: string, overrides: Record<string, unknown> = {}) {
  return {
    cartId,
    email: 'Ada.Lovelace@Example.com',
    phone: '(415) 555-0132',
    firstName: 'Ada',
    lastName: 'Lovelace',
    shippingAddress: { ...SHIPPING_ADDRESS },
    marketing: { email: CONSENT_DISCLOSURES.email.version, sms: CONSENT_DISCLOSURES.sms.version },
    ...overrides,
  };
}

export async function outboxMessages(db: SqlDatabase): Promise<OutboxMessage[]> {
  const rows = await new OutboxStore(db).list({ limit: 10_000 });
  return rows.reverse().map(({ kind, key, payload }) => ({ kind, key, payload }) as OutboxMessage);
}

export async function countRows(db: SqlDatabase, table: string): Promise<number> {
  const [row] = await db.query<{ n: number }>(sql`SELECT COUNT(*) AS n FROM ${raw(table)}`);
  return Number(row?.n ?? 0);
}

/** Registers the same suite on SQLite and, where a server answers, on Postgres. */
export function onBothDatabases(name: string, suite: (db: () => SqlDatabase) => void): void {
  const register = (
    backend: string,
    open: () => Promise<SqlDatabase>,
    close: (db: SqlDatabase) => Promise<void>,
  ) =>
    describe(`${name} on ${backend}`, () => {
      let db: SqlDatabase;
      beforeAll(async () => {
        db = await open();
      });
      afterAll(async () => close(db));
      suite(() => db);
    });
  register('SQLite', freshSqlite, (db) => db.close());
  describeWithPostgres('Postgres', () => {
    register('Postgres', freshPostgres, (db) => dropPostgres(db as SqlDatabase & { schema: string }));
  });
}

/** A placed order of these lines, without marketing consent; returns its id. */
export async function placedOrder(deps: StoreDeps, lines: [variantId: string, quantity: number][]) {
  const result = await placeOrder(deps, checkoutForm(await cartWith(deps, lines), { marketing: {} }));
  if (!result.ok) throw new Error(result.error.message);
  return result.data.orderId;
}

/** The events recorded for an order after checkout: fulfilments, cancellation, refunds. */
export async function lifecycleEvents(db: SqlDatabase, orderId: string): Promise<TrackEvent[]> {
  return (await outboxMessages(db)).flatMap((m) =>
    m.kind === 'event' && m.payload.properties.OrderId === orderId && !/Placed|Ordered/.test(m.payload.metric)
      ? [m.payload]
      : [],
  );
}
