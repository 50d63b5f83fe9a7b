import sql from 'sql-template-tag';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TrackEvent } from '../../lib/klaviyo-next/events/event.js';
import type { ProfileUpdate } from '../../lib/klaviyo-next/outbox/types.js';
import type { SqlDatabase } from '../../lib/klaviyo-next/sql/types.js';
import {
  cancelSubscription,
  chargeDueSubscriptions,
  chargeSubscription,
  MAX_OPEN_SUBSCRIPTIONS,
  pauseSubscription,
  resumeSubscription,
  subscribe,
} from '../../lib/store/subscriptions/lifecycle.js';
import { freshSqlite } from '../support/databases.js';
import { type TestEmulator, withEmulator } from '../support/emulator.js';
import { type EmulatorClock, emulatorClock } from '../support/emulator-clock.js';
import {
  onBothDatabases,
  outboxMessages,
  type TestStoreDeps,
  testStoreDeps,
} from '../support/store-fixtures.js';
import {
  deliverAll,
  subscriber,
  subscriptionRow,
  teeSubscription,
} from '../support/subscription-fixtures.js';

const MERCHANT = { kind: 'merchant' } as const;

/** The subscription's events and profile writes in the outbox, oldest first. */
async function recorded(db: SqlDatabase, id: string) {
  const messages = await outboxMessages(db);
  const events = messages.flatMap((m) =>
    m.kind === 'event' && m.payload.properties.SubscriptionId === id ? [m.payload as TrackEvent] : [],
  );
  const profiles = messages.flatMap((m) =>
    m.kind === 'profile' && m.payload.properties?.['Subscription Id'] === id
      ? [m.payload as ProfileUpdate]
      : [],
  );
  return { events, profiles };
}

onBothDatabases('subscription lifecycle', (db) => {
  let d: TestStoreDeps;
  let customerId: string;
  beforeAll(async () => {
    d = testStoreDeps(db());
    ({ customerId } = await subscriber(d, `ada.${Date.now()}@example.com`));
  });

  it('starts, charges by number, pauses, resumes and cancels, each change with its event and profile write', async () => {
    const id = await teeSubscription(d, customerId);
    expect(await subscriptionRow(d.db, id)).toMatchObject({ status: 'active', charges_count: 0 });

    expect(await chargeSubscription(d, { subscriptionId: id, chargeNumber: 1 })).toMatchObject({
      ok: true,
      data: { chargeId: `${id}-C1`, chargeNumber: 1 },
    });
    // The same charge again (a double submit, a retried billing run) is refused, naming the field.
    expect(await chargeSubscription(d, { subscriptionId: id, chargeNumber: 1 })).toEqual({
      ok: false,
      error: { field: 'chargeNumber', message: `Charge 1 of ${id} has already been made.` },
    });
    expect(await pauseSubscription(d, MERCHANT, { subscriptionId: id, reason: 'travelling' })).toEqual({
      ok: true,
      data: { status: 'paused' },
    });
    expect(await chargeSubscription(d, { subscriptionId: id, chargeNumber: 2 })).toMatchObject({
      ok: false,
      error: { field: 'subscriptionId' },
    });
    expect(await pauseSubscription(d, MERCHANT, { subscriptionId: id })).toMatchObject({ ok: false });
    expect(await resumeSubscription(d, MERCHANT, { subscriptionId: id })).toMatchObject({ ok: true });
    expect(await chargeSubscription(d, { subscriptionId: id, chargeNumber: 2 })).toMatchObject({ ok: true });
    expect(await pauseSubscription(d, MERCHANT, { subscriptionId: id })).toMatchObject({ ok: true });
    expect(await cancelSubscription(d, MERCHANT, { subscriptionId: id, reason: 'moving' })).toEqual({
      ok: true,
      data: { status: 'cancelled' },
    });
    expect(await cancelSubscription(d, MERCHANT, { subscriptionId: id })).toEqual({
      ok: false,
      error: { field: 'subscriptionId', message: `${id} is already cancelled.` },
    });
    expect(await resumeSubscription(d, MERCHANT, { subscriptionId: id })).toMatchObject({ ok: false });

    const { events, profiles } = await recorded(d.db, id);
    expect(events.map((e) => [e.metric, e.uniqueId, e.value])).toEqual([
      ['Subscription Started', `subscription-started:${id}`, 57.6],
      ['Subscription Renewed', `subscription-renewed:${id}:${id}-C1`, 57.6],
      ['Subscription Paused', `subscription-paused:${id}:1`, 57.6],
      ['Subscription Resumed', `subscription-resumed:${id}:2`, 57.6],
      ['Subscription Renewed', `subscription-renewed:${id}:${id}-C2`, 57.6],
      ['Subscription Paused', `subscription-paused:${id}:3`, 57.6],
      ['Subscription Cancelled', `subscription-cancelled:${id}`, 57.6],
    ]);
    expect(events.every((e) => e.profile.email === events[0]?.profile.email && !e.profile.phone_number)).toBe(
      true,
    );
    expect(events[2]?.properties.Reason).toBe('travelling');
    expect(profiles.map((p) => p.properties?.['Subscription Status'])).toEqual([
      'active',
      'active',
      'paused',
      'active',
      'active',
      'paused',
      'cancelled',
    ]);
    expect(profiles.at(-1)?.properties?.['Subscription Next Charge Date']).toBeNull();
    // Every change that committed asked for delivery once.
    expect(await subscriptionRow(d.db, id)).toMatchObject({
      status: 'cancelled',
      charges_count: 2,
      revision: 4,
    });
  });

  it('refuses bad input by field: an unknown plan, a variant not on the plan, a posted price', async () => {
    expect(await subscribe(d, customerId, { planId: 'nope', variantId: 'organic-cotton-tee-m' })).toEqual({
      ok: false,
      error: { field: 'planId', message: 'No such plan.' },
    });
    expect(
      await subscribe(d, customerId, { planId: 'tee-quarterly', variantId: 'linen-napkins-indigo' }),
    ).toEqual({
      ok: false,
      error: { field: 'variantId', message: 'linen-napkins-indigo is not on this plan.' },
    });
    expect(
      await subscribe(d, customerId, {
        planId: 'tee-quarterly',
        variantId: 'organic-cotton-tee-m',
        recurringCents: 1,
      }),
    ).toMatchObject({ ok: false, error: { field: 'recurringCents' } });
    expect(await pauseSubscription(d, MERCHANT, { subscriptionId: 'SUB-99999999' })).toEqual({
      ok: false,
      error: { field: 'subscriptionId', message: 'No such subscription.' },
    });
    expect(await chargeSubscription(d, { subscriptionId: 'x' })).toMatchObject({
      ok: false,
      error: { field: 'subscriptionId' },
    });
  });

  it('lets a shopper change her own subscription and answers another shopper as if it did not exist', async () => {
    const id = await teeSubscription(d, customerId);
    const other = await subscriber(d, `grace.${Date.now()}@example.com`, 'Grace');
    const before = (await outboxMessages(d.db)).length;
    for (const change of [pauseSubscription, resumeSubscription, cancelSubscription]) {
      expect(
        await change(d, { kind: 'shopper', customerId: other.customerId }, { subscriptionId: id }),
      ).toEqual({
        ok: false,
        error: { field: 'subscriptionId', message: 'No such subscription.' },
      });
    }
    expect((await outboxMessages(d.db)).length).toBe(before);
    expect(await subscriptionRow(d.db, id)).toMatchObject({ status: 'active', revision: 0 });
    expect(await pauseSubscription(d, { kind: 'shopper', customerId }, { subscriptionId: id })).toMatchObject(
      {
        ok: true,
      },
    );
  });

  it('charges what is due in a billing run, once, however often it runs', async () => {
    const id = await teeSubscription(d, customerId);
    const due = d.now() + 400 * 86_400_000; // past every plan's first period
    const late = { ...d, now: () => due };
    const first = await chargeDueSubscriptions(late);
    expect(first.charged).toContain(`${id}-C1`);
    const again = await chargeDueSubscriptions(late);
    expect(again.charged).not.toContain(`${id}-C1`);
    expect(again.charged.filter((c) => c.startsWith(`${id}-`))).toEqual([]);
    expect((await recorded(d.db, id)).events.filter((e) => e.metric === 'Subscription Renewed')).toHaveLength(
      1,
    );
  });

  it('caps a shopper at ten open subscriptions, two subscribes racing at the cap included', async () => {
    const { customerId: heavy } = await subscriber(d, `heavy.${Date.now()}@example.com`);
    const ids: string[] = [];
    for (let i = 0; i < MAX_OPEN_SUBSCRIPTIONS - 1; i++) ids.push(await teeSubscription(d, heavy));
    const TEE = { planId: 'tee-monthly', variantId: 'organic-cotton-tee-s' };
    const raced = await Promise.all([subscribe(d, heavy, TEE), subscribe(d, heavy, TEE)]);
    expect(raced.filter((r) => r.ok)).toHaveLength(1);
    expect(raced.find((r) => !r.ok)).toEqual({
      ok: false,
      error: { field: 'planId', message: 'You already have 10 subscriptions; cancel one to start another.' },
    });
    // A cancelled one no longer counts.
    expect(
      await cancelSubscription(d, { kind: 'shopper', customerId: heavy }, { subscriptionId: ids[0] }),
    ).toMatchObject({ ok: true });
    expect(await subscribe(d, heavy, TEE)).toMatchObject({ ok: true });
  });

  it('two charges of the same period racing make one charge and one Renewed event', async () => {
    const id = await teeSubscription(d, customerId);
    const results = await Promise.all([
      chargeSubscription(d, { subscriptionId: id, chargeNumber: 1 }),
      chargeSubscription(d, { subscriptionId: id, chargeNumber: 1 }),
    ]);
    expect(results.filter((r) => r.ok)).toHaveLength(1);
    expect(results.find((r) => !r.ok)).toMatchObject({ error: { field: 'chargeNumber' } });
    const [charges] = await d.db.query<{ n: number }>(
      sql`SELECT COUNT(*) AS n FROM store_subscription_charges WHERE subscription_id = ${id}`,
    );
    expect(Number(charges?.n)).toBe(1);
    const renewed = (await recorded(d.db, id)).events.filter((e) => e.metric === 'Subscription Renewed');
    expect(renewed.map((e) => e.uniqueId)).toEqual([`subscription-renewed:${id}:${id}-C1`]);
  });

  it('a cancel racing a charge ends cancelled, with one event per change that committed', async () => {
    const id = await teeSubscription(d, customerId);
    const [charged, cancelled] = await Promise.all([
      chargeSubscription(d, { subscriptionId: id, chargeNumber: 1 }),
      cancelSubscription(d, MERCHANT, { subscriptionId: id }),
    ]);
    expect(cancelled.ok).toBe(true);
    const row = await subscriptionRow(d.db, id);
    expect(row).toMatchObject({ status: 'cancelled', next_charge_at: null });
    // Either the charge came first and counts, or it found the subscription cancelled and was refused.
    expect(row?.charges_count).toBe(charged.ok ? 1 : 0);
    const metrics = (await recorded(d.db, id)).events.map((e) => e.metric);
    expect(metrics).toEqual([
      'Subscription Started',
      ...(charged.ok ? ['Subscription Renewed'] : []),
      'Subscription Cancelled',
    ]);
  });
});

describe('subscription lifecycle at Klaviyo (the emulator)', () => {
  let emu: TestEmulator;
  let db: SqlDatabase;
  let clock: EmulatorClock;
  withEmulator({ rateLimits: false }, (started) => {
    emu = started;
  });
  beforeAll(async () => {
    db = await freshSqlite();
    clock = await emulatorClock(emu, Date.parse('2026-07-15T12:00:00Z'));
  });
  afterAll(async () => db.close());

  it('records each event once and leaves the profile with the latest status, plan, revenue and next charge', async () => {
    const d = { ...testStoreDeps(db), now: clock.now };
    const { customerId, email } = await subscriber(d, 'ada.lovelace@example.com');
    const id = await teeSubscription(d, customerId);
    const step = async (change: () => Promise<{ ok: boolean }>) => {
      await clock.advance(60_000);
      expect(await change()).toMatchObject({ ok: true });
    };
    await step(() => chargeSubscription(d, { subscriptionId: id, chargeNumber: 1 }));
    await step(() => chargeSubscription(d, { subscriptionId: id, chargeNumber: 2 }));
    await deliverAll(emu, clock, d.outbox);
    await emu.settle();
    const found = await emu.api(`/api/profiles?filter=${encodeURIComponent(`equals(email,"${email}")`)}`);
    const active = found.body.data[0].attributes.properties;
    expect(active).toMatchObject({
      'Subscription Status': 'active',
      'Subscription Id': id,
      'Subscription Plan': 'Fresh tee every 3 months',
      'Subscription Recurring Revenue': 57.6,
    });
    expect(Date.parse(active['Subscription Next Charge Date'])).toBeGreaterThan(clock.now());

    await step(() => pauseSubscription(d, MERCHANT, { subscriptionId: id }));
    await step(() => resumeSubscription(d, MERCHANT, { subscriptionId: id }));
    await step(() => cancelSubscription(d, MERCHANT, { subscriptionId: id }));
    await deliverAll(emu, clock, d.outbox);
    // Delivering again sends nothing: the outbox is settled and Klaviyo keeps one event per unique_id.
    await deliverAll(emu, clock, d.outbox);
    await emu.settle();

    const { events } = await emu.inspect('?events=full');
    const ours = (
      events as { metric: string; uniqueId: string; properties: Record<string, unknown> }[]
    ).filter((e) => e.properties.SubscriptionId === id);
    expect(ours.map((e) => [e.metric, e.uniqueId]).sort()).toEqual(
      [
        ['Subscription Started', `subscription-started:${id}`],
        ['Subscription Renewed', `subscription-renewed:${id}:${id}-C1`],
        ['Subscription Renewed', `subscription-renewed:${id}:${id}-C2`],
        ['Subscription Paused', `subscription-paused:${id}:1`],
        ['Subscription Resumed', `subscription-resumed:${id}:2`],
        ['Subscription Cancelled', `subscription-cancelled:${id}`],
      ].sort(),
    );
    const after = await emu.api(`/api/profiles?filter=${encodeURIComponent(`equals(email,"${email}")`)}`);
    expect(after.body.data).toHaveLength(1);
    expect(after.body.data[0].attributes.properties).toMatchObject({
      'Subscription Status': 'cancelled',
      'Subscription Next Charge Date': null,
      'Subscription Recurring Revenue': 57.6,
    });
  });
});
