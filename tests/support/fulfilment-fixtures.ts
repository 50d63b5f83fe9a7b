import sql from 'sql-template-tag';
import { createKlaviyo } from '../../lib/klaviyo-next/api/index.js';
import { createDispatcher } from '../../lib/klaviyo-next/outbox/dispatcher.js';
import { OutboxStore } from '../../lib/klaviyo-next/outbox/store.js';
import type { SqlDatabase } from '../../lib/klaviyo-next/sql/types.js';
import { startShopperSession } from '../../lib/store/shopper-session.js';
import type { TestEmulator } from './emulator.js';

/** A signed-in shopper's session token for the customer an order was placed by (her own store session). */
export async function shopperSessionOf(db: SqlDatabase, orderId: string, now: number): Promise<string> {
  const [row] = await db.query<{ customer_id: string }>(
    sql`SELECT customer_id FROM store_orders WHERE id = ${orderId}`,
  );
  if (!row) throw new Error(`no order ${orderId}`);
  return db.transaction(async (tx) => {
    await tx.query(
      sql`INSERT INTO store_customer_credentials (customer_id, password_hash, created_at, updated_at, email_verified_at) VALUES (${row.customer_id}, ${'not-a-password-hash'}, ${now}, ${now}, ${now}) ON CONFLICT (customer_id) DO NOTHING`,
    );
    return startShopperSession(tx, row.customer_id, now);
  });
}

/** Sends what the outbox holds to the emulator, as the worker would. */
export async function deliverTo(emu: TestEmulator, db: SqlDatabase): Promise<void> {
  const klaviyo = createKlaviyo({ apiKey: emu.account.privateKey, baseUrl: emu.url, governor: null });
  const dispatcher = createDispatcher({ store: new OutboxStore(db), client: klaviyo.client });
  await dispatcher.drain(Date.now() + 20_000);
}

/** An order's lifecycle events as the emulator recorded them (not Placed Order, not Ordered Product). */
export async function recordedLifecycle(emu: TestEmulator, orderId: string) {
  const { events } = (await emu.inspect('?events=full')) as {
    events: { metric: string; uniqueId: string; email: string | null; properties: Record<string, unknown> }[];
  };
  return events
    .filter((e) => e.properties.OrderId === orderId && !/Placed|Ordered/.test(e.metric))
    .map((e) => ({ ...e, value: e.properties.$value as number }));
}
