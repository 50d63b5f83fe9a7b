import sql from 'sql-template-tag';
import { beforeEach, describe, expect, it } from 'vitest';
import { consentChange } from '../../lib/klaviyo-next/events/consent.js';
import { placedOrder } from '../../lib/klaviyo-next/events/orders.js';
import type { OrderSnapshot } from '../../lib/klaviyo-next/events/types.js';
import { EVENTS_SETTLE_MS } from '../../lib/klaviyo-next/outbox/deliver/events.js';
import { createDispatcher } from '../../lib/klaviyo-next/outbox/dispatcher.js';
import {
  consentMessage,
  eventMessage,
  type OutboxMessage,
  profileMessage,
} from '../../lib/klaviyo-next/outbox/types.js';
import { orderEvents, orderLine } from '../support/order-events.js';

/**
 * Whole orders: a profile write rides on its person's events (the bulk entry's profile), costs no call
 * of its own, and fences the person for the events' settle window. A write naming someone else's email
 * beside another phone never rides on her events.
 */
import { useEmulatorAndSqliteOutbox } from '../support/outbox-fixtures.js';

describe('profile writes riding on their events', () => {
  const outbox = useEmulatorAndSqliteOutbox();
  const { clock } = outbox;

  beforeEach(async () => {
    // Each test starts with nothing due, nothing fenced.
    await outbox.db.query(sql`DELETE FROM klaviyo_outbox`);
    await outbox.db.query(sql`DELETE FROM klaviyo_outbox_fences`);
  });

  const client = () => outbox.client({ retry: { maxRetries: 0, maxThrottledRetries: 0 } });
  const dispatcher = () => createDispatcher({ store: outbox.store, client: client(), now: clock.now });
  const { enqueue } = outbox;
  const { requests } = outbox;
  const profileByEmail = async (email: string) => {
    await outbox.emu.settle();
    const found = await outbox.emu.api(
      `/api/profiles?filter=${encodeURIComponent(`equals(email,"${email}")`)}&additional-fields[profile]=subscriptions`,
    );
    return found.body.data as { id: string; attributes: Record<string, any> }[];
  };
  const order = (id: string, email: string): OrderSnapshot => ({
    orderId: id,
    currency: 'USD',
    placedAt: '2026-07-15T12:00:00Z',
    customer: { email },
    lines: [orderLine(1)],
    discountCents: 0,
    shippingCents: 0,
    taxCents: 0,
    totalCents: 1000,
  });

  it('carries a whole order in its events bulk job: no profile call, and the next write waits for the window', async () => {
    const before = await requests();
    // Three orders (12 events: a bulk job), each with its checkout's profile write and, for the
    // first shopper, an email consent behind the write.
    const messages: OutboxMessage[] = [];
    for (const i of [0, 1, 2]) {
      const email = `rider${i}@example.com`;
      messages.push(
        ...orderEvents(`R${i}`, email),
        profileMessage(`order:R${i}`, {
          profile: { email },
          properties: { 'NW Last Order ID': `R${i}` },
          location: { city: 'Lisbon', country: 'Portugal' },
        }),
      );
    }
    messages.push(
      consentMessage(
        consentChange({
          channel: 'email',
          status: 'SUBSCRIBED',
          profile: { email: 'rider0@example.com' },
          consentedAt: '2026-07-15T12:00:00Z',
          source: 'Checkout',
        }),
      ),
    );
    await enqueue(messages);

    const first = await dispatcher().drain();
    expect(first).toMatchObject({ delivered: 15, dead: 0 });
    const after = await requests();
    const calls = (op: string) => (after[op] ?? 0) - (before[op] ?? 0);
    expect(calls('bulk_create_events')).toBe(1);
    expect(calls('create_or_update_profile')).toBe(0);
    expect(calls('bulk_import_profiles')).toBe(0);
    // Each writer is fenced for the stated window, on the round's clock.
    const fences = await outbox.db.query<{ order_key: string; until_ms: number; job: string | null }>(
      sql`SELECT order_key, until_ms, job FROM klaviyo_outbox_fences ORDER BY order_key`,
    );
    expect(fences.map((f) => [f.order_key, Number(f.until_ms), f.job])).toEqual(
      [0, 1, 2].map((i) => [`person:rider${i}@example.com`, clock.now() + EVENTS_SETTLE_MS, null]),
    );
    for (const i of [0, 1, 2]) {
      const [profile] = await profileByEmail(`rider${i}@example.com`);
      expect(profile?.attributes).toMatchObject({
        properties: { 'NW Last Order ID': `R${i}` },
        location: { city: 'Lisbon', country: 'Portugal' },
      });
    }
    // The consent behind rider0's write waits out the window, then goes.
    expect(await dispatcher().drain()).toMatchObject({ claimed: 0 });
    clock.advanceTo(clock.now() + EVENTS_SETTLE_MS + 1);
    expect(await dispatcher().drain()).toMatchObject({ delivered: 1, dead: 0 });
    const [subscribed] = await profileByEmail('rider0@example.com');
    expect(subscribed?.attributes.subscriptions.email.marketing.consent).toBe('SUBSCRIBED');
  });

  it('rides on a trickle too: one order’s four create_event calls carry the write', async () => {
    const email = 'single@example.com';
    await enqueue([
      ...orderEvents('T1', email),
      profileMessage('order:T1', { profile: { email }, properties: { 'NW Last Order ID': 'T1' } }),
    ]);
    const before = await requests();
    expect(await dispatcher().drain()).toMatchObject({ delivered: 5, dead: 0 });
    const after = await requests();
    expect((after.create_event ?? 0) - (before.create_event ?? 0)).toBe(4);
    expect((after.create_or_update_profile ?? 0) - (before.create_or_update_profile ?? 0)).toBe(0);
    const [profile] = await profileByEmail(email);
    expect(profile?.attributes.properties).toMatchObject({ 'NW Last Order ID': 'T1' });
    const fences = await outbox.db.query<{ order_key: string }>(
      sql`SELECT order_key FROM klaviyo_outbox_fences`,
    );
    expect(fences.map((f) => f.order_key)).toEqual([`person:${email}`]);
  });

  it('a write naming another shopper’s email beside a different phone does not ride on her order, nor join the phone to her', async () => {
    const victim = 'victim@example.com';
    const victimPhone = '+12025550101';
    const attackerPhone = '+12025550199';
    // Both people exist already: the victim with her phone, the attacker with his.
    await outbox.emu.api('/api/profiles', {
      method: 'POST',
      body: {
        data: {
          type: 'profile',
          attributes: { email: victim, phone_number: victimPhone, first_name: 'Vera' },
        },
      },
    });
    await outbox.emu.api('/api/profiles', {
      method: 'POST',
      body: {
        data: { type: 'profile', attributes: { email: 'mallory@example.com', phone_number: attackerPhone } },
      },
    });
    const before = await requests();
    const identity = { email: victim, phone_number: victimPhone };
    await enqueue([
      // Her order (three of them: a bulk job) ...
      ...['V1', 'V2', 'V3'].map((id) => eventMessage(placedOrder(order(id, victim), identity))),
      ...['V4', 'V5', 'V6', 'V7', 'V8', 'V9', 'V10'].map((id) =>
        eventMessage(placedOrder(order(id, victim), { email: victim })),
      ),
      // ... and, in the same round, someone's write with her email and another phone.
      profileMessage('attack', {
        profile: { email: victim, phone_number: attackerPhone, first_name: 'Mallory' },
        properties: { 'NW Last Order ID': 'ATTACK' },
      }),
    ]);
    await dispatcher().drain();
    const after = await requests();
    // It went on its own, with create_or_update_profile's 409 handling: never inside her events.
    expect((after.create_or_update_profile ?? 0) - (before.create_or_update_profile ?? 0)).toBeGreaterThan(0);
    const [her] = await profileByEmail(victim);
    expect(her?.attributes.phone_number).toBe(victimPhone);
    const attacker = await outbox.emu.api(
      `/api/profiles?filter=${encodeURIComponent(`equals(phone_number,"${attackerPhone}")`)}`,
    );
    expect(attacker.body.data).toHaveLength(1);
    expect(attacker.body.data[0].attributes.email).toBe('mallory@example.com');
    expect(attacker.body.data[0].id).not.toBe(her?.id);
    // Her ten Placed Orders are on her profile, and the bulk entries carried her own profile only.
    const placed = (await outbox.emu.inspect('?events=full&metric=Placed%20Order')).events.filter(
      (e: { uniqueId: string }) => /^placed-order:V\d+$/.test(e.uniqueId),
    );
    expect(placed).toHaveLength(10);
    expect(new Set(placed.map((e: { profileId: string }) => e.profileId))).toEqual(new Set([her?.id]));
    expect(await outbox.db.query(sql`SELECT order_key FROM klaviyo_outbox_fences`)).toEqual([]);
  });

  it('a write Klaviyo refuses inside the entry stops riding; the events still go, and the write is dead-lettered on its own', async () => {
    const email = 'badphone@example.com';
    await enqueue([
      ...Array.from({ length: 3 }, (_, i) => orderEvents(`B${i}`, email)).flat(),
      profileMessage('order:B', { profile: { email }, location: { planet: 'Mars' } }),
    ]);
    const result = await dispatcher().drain();
    expect(result).toMatchObject({ delivered: 12, dead: 1 });
    const [dead] = await outbox.store.list({ state: 'dead' });
    expect(dead?.key).toBe('profile:order:B');
    expect(dead?.lastError).toMatchObject({ status: 400 });
    await outbox.emu.settle();
    const placed = (await outbox.emu.inspect('?events=full&metric=Placed%20Order')).events.filter(
      (e: { uniqueId: string }) => /^placed-order:B\d$/.test(e.uniqueId),
    );
    expect(placed).toHaveLength(3);
  });

  it('the emulator refuses what Klaviyo refuses in an entry profile (a subscriptions object), pointing at it', async () => {
    const body = {
      data: {
        type: 'event-bulk-create-job',
        attributes: {
          'events-bulk-create': {
            data: [
              {
                type: 'event-bulk-create',
                attributes: {
                  profile: {
                    data: {
                      type: 'profile',
                      attributes: { email: 'x@example.com', subscriptions: { email: { marketing: {} } } },
                    },
                  },
                  events: {
                    data: [
                      {
                        type: 'event',
                        attributes: {
                          properties: {},
                          metric: { data: { type: 'metric', attributes: { name: 'M' } } },
                        },
                      },
                    ],
                  },
                },
              },
            ],
          },
        },
      },
    };
    const refused = await outbox.emu.api('/api/event-bulk-create-jobs', { method: 'POST', body });
    expect(refused.status).toBe(400);
    expect(refused.body.errors[0].source.pointer).toBe(
      '/data/attributes/events-bulk-create/data/0/attributes/profile/data/attributes/subscriptions',
    );
    const phone = structuredClone(body);
    const [entry] = phone.data.attributes['events-bulk-create'].data;
    if (!entry) throw new Error('the body has an entry');
    entry.attributes.profile.data.attributes = { email: 'x@example.com', phone_number: '555-0100' } as never;
    const badPhone = await outbox.emu.api('/api/event-bulk-create-jobs', { method: 'POST', body: phone });
    expect(badPhone.status).toBe(400);
    expect(badPhone.body.errors[0].source.pointer).toBe(
      '/data/attributes/events-bulk-create/data/0/attributes/profile/data/attributes/phone_number',
    );
  });
});
