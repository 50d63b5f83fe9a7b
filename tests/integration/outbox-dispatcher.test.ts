import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { consentChange } from '../../lib/klaviyo-next/events/consent.js';
import { placedOrder } from '../../lib/klaviyo-next/events/orders.js';
import type { OrderSnapshot } from '../../lib/klaviyo-next/events/types.js';
import { createDispatcher } from '../../lib/klaviyo-next/outbox/dispatcher.js';
import { OutboxStore } from '../../lib/klaviyo-next/outbox/store.js';
import {
  backInStockMessage,
  consentMessage,
  eventMessage,
  type OutboxMessage,
  profileMessage,
} from '../../lib/klaviyo-next/outbox/types.js';
import type { SqlDatabase } from '../../lib/klaviyo-next/sql/types.js';
import { dropPostgres, freshPostgres, freshSqlite } from '../support/databases.js';
import { type TestEmulator, withEmulator } from '../support/emulator.js';
import { orderEvents, orderLine } from '../support/order-events.js';
import { clockedClient } from '../support/outbox-fixtures.js';
import { describeWithPostgres } from '../support/requirements.js';
import { virtualClock } from '../support/virtual-clock.js';

function dispatcherContract(
  name: string,
  open: () => Promise<SqlDatabase>,
  close: (db: SqlDatabase) => Promise<void>,
) {
  describe(`delivery from ${name} to the emulator`, () => {
    let emu: TestEmulator;
    let db: SqlDatabase;
    let store: OutboxStore;
    const clock = virtualClock(Date.parse('2026-07-15T12:00:00Z'));

    const dispatcher = () =>
      createDispatcher({
        store,
        client: clockedClient(emu, clock),
        now: clock.now,
      });
    /**
     * Drains, and again once the fences its asynchronous writes left have passed (a person's consent
     * behind the profile write that rode on their events waits for Klaviyo to have applied it).
     */
    const drainPastFences = async () => {
      const total = await dispatcher().drain();
      for (let i = 0; i < 5 && (await store.counts()).pending > 0; i++) {
        await emu.settle();
        clock.advanceTo(clock.now() + 10 * 60_000 + 1);
        const more = await dispatcher().drain();
        for (const k of ['delivered', 'retrying', 'dead'] as const) total[k] += more[k];
      }
      return total;
    };
    const enqueue = (messages: OutboxMessage[]) =>
      db.transaction((tx) => store.enqueue(tx, messages, clock.now()));
    const recorded = async (metric: string) => {
      await emu.settle();
      return (await emu.inspect(`?events=full&metric=${encodeURIComponent(metric)}`)).events as {
        uniqueId: string;
        email: string;
      }[];
    };

    withEmulator({ rateLimits: false }, (started) => {
      emu = started;
    });
    beforeAll(async () => {
      db = await open();
      store = new OutboxStore(db);
    });
    afterEach(async () => {
      await emu.clearFaults();
    });
    afterAll(async () => close(db));

    it('delivers orders, profiles and consent exactly once', async () => {
      const messages = Array.from({ length: 300 }, (_, i) =>
        orderEvents(`A${i}`, `a${i % 40}@example.com`),
      ).flat();
      const consent = consentChange({
        channel: 'email',
        status: 'SUBSCRIBED',
        profile: { email: 'a1@example.com' },
        consentedAt: '2026-07-15T12:00:00Z',
        source: 'Checkout',
      });
      await enqueue([
        ...messages,
        consentMessage(consent),
        profileMessage('a1', { profile: { email: 'a1@example.com', first_name: 'Ada' } }),
      ]);
      const jobsBefore = (await emu.inspect()).requests.bulk_create_events ?? 0;
      const result = await drainPastFences();
      expect(result).toMatchObject({ delivered: 1202, retrying: 0, dead: 0 });
      const placed = await recorded('Placed Order');
      const lines = await recorded('Ordered Product');
      expect(placed.filter((e) => e.uniqueId.startsWith('placed-order:A'))).toHaveLength(300);
      expect(lines.filter((e) => e.uniqueId.startsWith('ordered-product:A'))).toHaveLength(900);
      expect((await emu.inspect()).suppressed).toEqual([]);
      // Bulk jobs carried the load: 1,200 events in two jobs, not 1,200 calls.
      expect((await emu.inspect()).requests.bulk_create_events - jobsBefore).toBe(2);
      const profile = await emu.api(
        `/api/profiles?filter=${encodeURIComponent('equals(email,"a1@example.com")')}&additional-fields[profile]=subscriptions`,
      );
      expect(profile.body.data[0].attributes.first_name).toBe('Ada');
      expect(profile.body.data[0].attributes.subscriptions.email.marketing.consent).toBe('SUBSCRIBED');
    });

    it('joins a checkout to the profile the browser’s exchange id names: order, profile and consent on one', async () => {
      // Klaviyo knows the shopper by phone and exchange id only (she came from a text message's link);
      // at checkout she gives an email for the first time.
      const known = await emu.api('/api/profiles', {
        method: 'POST',
        body: { data: { type: 'profile', attributes: { phone_number: '+12025550111' } } },
      });
      expect(known.status).toBe(201);
      // The exchange id Klaviyo put on the text message's link: only Klaviyo issues them.
      const kx = await emu.exchangeIdFor({ profileId: known.body.data.id });
      const email = 'joined@example.com';
      const identity = { email, _kx: kx };
      const order: OrderSnapshot = {
        orderId: 'J1',
        currency: 'USD',
        placedAt: '2026-07-15T12:00:00Z',
        customer: { email },
        lines: [orderLine(1)],
        discountCents: 0,
        shippingCents: 0,
        taxCents: 0,
        totalCents: 1000,
      };
      const consent = consentChange({
        channel: 'email',
        status: 'SUBSCRIBED',
        profile: { email },
        consentedAt: '2026-07-15T12:00:00Z',
        source: 'Checkout',
      });
      // Queued as checkout queues them (lib/store/orders/checkout-messages.ts).
      await enqueue([
        eventMessage(placedOrder(order, identity)),
        profileMessage('order:J1', { profile: identity, properties: { 'NW Lifetime Orders': 1 } }),
        consentMessage(consent),
      ]);
      expect(await drainPastFences()).toMatchObject({ delivered: 3, retrying: 0, dead: 0 });
      await emu.settle();
      const found = await emu.api(
        `/api/profiles?filter=${encodeURIComponent(`equals(email,"${email}")`)}&additional-fields[profile]=subscriptions`,
      );
      expect(found.body.data).toHaveLength(1);
      expect(found.body.data[0].attributes).toMatchObject({
        email,
        phone_number: '+12025550111',
        properties: { 'NW Lifetime Orders': 1 },
        subscriptions: { email: { marketing: { consent: 'SUBSCRIBED' } } },
      });
      const placed = (await emu.inspect('?events=full&metric=Placed%20Order')).events.filter(
        (e: { uniqueId: string }) => e.uniqueId === 'placed-order:J1',
      );
      expect(placed.map((e: { profileId: string }) => e.profileId)).toEqual([found.body.data[0].id]);
    });

    it('delivers back-in-stock requests for the store’s variants, and dead-letters one Klaviyo does not know', async () => {
      const item = {
        type: 'catalog-item',
        attributes: {
          external_id: 'organic-cotton-tee',
          title: 'Tee',
          description: 'Tee',
          url: 'https://shop.test/tee',
        },
      };
      expect((await emu.api('/api/catalog-items', { method: 'POST', body: { data: item } })).status).toBe(
        201,
      );
      const variant = {
        type: 'catalog-variant',
        attributes: {
          external_id: 'organic-cotton-tee-xl',
          title: 'Tee XL',
          description: 'Tee',
          sku: 'TEE-XL',
          inventory_quantity: 0,
          price: 32,
          url: 'https://shop.test/tee',
        },
        relationships: {
          item: { data: { type: 'catalog-item', id: '$custom:::$default:::organic-cotton-tee' } },
        },
      };
      expect(
        (await emu.api('/api/catalog-variants', { method: 'POST', body: { data: variant } })).status,
      ).toBe(201);
      await enqueue([
        backInStockMessage({
          // Names and an exchange id ride along; the subscription's profile takes identifiers only.
          profile: { email: 'wait@example.com', first_name: 'Wai', _kx: `kx.${emu.account.id}` },
          variantId: 'organic-cotton-tee-xl',
          channels: ['EMAIL'],
        }),
        backInStockMessage({
          profile: { email: 'wait@example.com' },
          variantId: 'no-such-variant',
          channels: ['EMAIL'],
        }),
      ]);
      const result = await dispatcher().drain();
      expect(result).toMatchObject({ delivered: 1, dead: 1 });
      const { log } = await emu.inspect();
      expect(
        log.filter((l: { operation: string }) => l.operation === 'create_back_in_stock_subscription'),
      ).toEqual([
        expect.objectContaining({
          payload: expect.objectContaining({
            variantId: '$custom:::$default:::organic-cotton-tee-xl',
            channels: ['EMAIL'],
          }),
        }),
      ]);
    });

    it('dead-letters a poison event with Klaviyo’s error and pointer, and delivers the rest', async () => {
      const messages = Array.from({ length: 20 }, (_, i) => orderEvents(`P${i}`, `p${i}@example.com`)).flat();
      const poison = orderEvents('POISON', 'poison@example.com')[0] as Extract<
        OutboxMessage,
        { kind: 'event' }
      >;
      poison.payload = { ...poison.payload, time: '1980-01-01T00:00:00Z' }; // before 1990: Klaviyo answers 400
      await enqueue([...messages, poison]);
      const result = await dispatcher().drain();
      expect(result).toMatchObject({ delivered: 80, dead: 1 });
      const [dead] = await store.list({ state: 'dead' });
      expect(dead?.key).toBe('event:placed-order:POISON');
      expect(dead?.lastError).toMatchObject({ status: 400, code: 'invalid' });
      expect(dead?.lastError?.pointer).toMatch(
        /^\/data\/attributes\/events-bulk-create\/data\/\d+\/attributes\/events\/data\/\d+\/attributes\/time$/,
      );
      expect(
        (await recorded('Placed Order')).filter((e) => e.uniqueId.startsWith('placed-order:P')),
      ).toHaveLength(20);
    });

    it('honours Retry-After through a 429 storm and loses nothing', async () => {
      await enqueue(Array.from({ length: 50 }, (_, i) => orderEvents(`S${i}`, `s${i}@example.com`)).flat());
      await emu.setFaults({
        storm429: { count: 12, retryAfterSeconds: 3 },
        operations: ['bulk_create_events'],
      });
      const started = clock.now();
      let delivered = 0;
      for (let round = 0; round < 20 && delivered < 200; round++) {
        const r = await dispatcher().drain();
        delivered += r.delivered;
        if (r.pausedUntil) clock.advanceTo(r.pausedUntil);
      }
      expect(delivered).toBe(200);
      const { faultsServed } = await emu.inspect();
      expect(faultsServed.storm429).toBe(12);
      expect(clock.now() - started).toBeGreaterThanOrEqual(12 * 3_000);
      expect(
        (await recorded('Placed Order')).filter((e) => e.uniqueId.startsWith('placed-order:S')),
      ).toHaveLength(50);
    });

    it('keeps everything through an outage and delivers it once Klaviyo is back', async () => {
      await enqueue(Array.from({ length: 25 }, (_, i) => orderEvents(`O${i}`, `o${i}@example.com`)).flat());
      await emu.setFaults({ down: true });
      const during = await dispatcher().drain();
      expect(during).toMatchObject({ delivered: 0, dead: 0, retrying: 100 });
      await emu.clearFaults();
      await clock.sleep(60_000);
      const after = await dispatcher().drain();
      expect(after.delivered).toBe(100);
      expect(
        (await recorded('Placed Order')).filter((e) => e.uniqueId.startsWith('placed-order:O')),
      ).toHaveLength(25);
      expect((await store.counts()).retrying).toBe(0);
    });
  });
}

dispatcherContract('SQLite', freshSqlite, (db) => db.close());
describeWithPostgres('Postgres', () => {
  dispatcherContract('Postgres', freshPostgres, (db) => dropPostgres(db as SqlDatabase & { schema: string }));
});
