import { afterAll, beforeAll } from 'vitest';
import { placedOrder } from '../../lib/klaviyo-next/events/orders.js';
import { eventMessage, type OutboxMessage } from '../../lib/klaviyo-next/outbox/types.js';
import { dropPostgres, freshPostgres } from './databases.js';
import type { TestEmulator } from './emulator.js';

type FreshPostgres = Awaited<ReturnType<typeof freshPostgres>>;

/** A Placed Order outbox message for `orderId` (no lines), for the ops tests' deliveries. */
export const orderMessage = (
  orderId: string,
  email = `${orderId.toLowerCase()}@example.com`,
): OutboxMessage =>
  eventMessage(
    placedOrder(
      {
        orderId,
        currency: 'USD',
        placedAt: new Date().toISOString(),
        customer: { email },
        lines: [],
        discountCents: 0,
        shippingCents: 0,
        taxCents: 0,
        totalCents: 1000,
      },
      { email },
    ),
  );

/** An event Klaviyo refuses for good: a time before 1990 (create_event answers 400). */
export const poisonMessage = (orderId: string): OutboxMessage => {
  const message = orderMessage(orderId) as Extract<OutboxMessage, { kind: 'event' }>;
  return { ...message, payload: { ...message.payload, time: '1980-01-01T00:00:00Z' } };
};

/** The plugin's settings pointing at a test emulator's account. */
export const emulatorEnv = (emu: TestEmulator) => ({
  KLAVIYO_API_URL: emu.url,
  KLAVIYO_PRIVATE_KEY: emu.account.privateKey,
  KLAVIYO_PUBLIC_KEY: emu.account.publicKey,
});

/** The Placed Order events the emulator recorded whose order id starts with `prefix`. */
export async function recordedOrders(emu: TestEmulator, prefix: string): Promise<{ uniqueId: string }[]> {
  await emu.settle();
  const events = (await emu.inspect('?events=full&metric=Placed%20Order')).events as { uniqueId: string }[];
  return events.filter((e) => e.uniqueId.startsWith(`placed-order:${prefix}`));
}

/**
 * A fresh migrated Postgres schema for the enclosing describe's tests (dropped afterwards); call the
 * returned function inside a test to get it.
 */
export function withFreshPostgres(): () => FreshPostgres {
  let pg: FreshPostgres | undefined;
  beforeAll(async () => {
    pg = await freshPostgres();
  }, 120_000);
  afterAll(async () => {
    if (pg) await dropPostgres(pg);
  });
  return () => {
    if (!pg) throw new Error('The schema is made in beforeAll.');
    return pg;
  };
}
