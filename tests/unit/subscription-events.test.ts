import { describe, expect, it } from 'vitest';
import { eventBody } from '../../lib/klaviyo-next/api/resources/events.js';
import { BROWSER_METRICS, METRICS } from '../../lib/klaviyo-next/events/metrics.js';
import {
  type SubscriptionSnapshot,
  subscriptionCancelled,
  subscriptionPaused,
  subscriptionProfileProperties,
  subscriptionRenewed,
  subscriptionResumed,
  subscriptionStarted,
} from '../../lib/klaviyo-next/events/subscriptions.js';
import { profileImportBody } from '../../lib/klaviyo-next/outbox/deliver/bodies.js';
import { toEventInput } from '../../lib/klaviyo-next/outbox/deliver/events.js';
import { subscriptionMessages } from '../../lib/klaviyo-next/outbox/subscription-messages.js';
import { type TestEmulator, withEmulator } from '../support/emulator.js';

const profile = { email: 'ada@example.com', first_name: 'Ada' };
const active: SubscriptionSnapshot = {
  subscriptionId: 'SUB-1001',
  planId: 'tee-quarterly',
  planName: 'Fresh tee every 3 months',
  status: 'active',
  productId: 'organic-cotton-tee',
  variantId: 'organic-cotton-tee-m',
  sku: 'TEE-M',
  productName: 'Organic Cotton Tee (M)',
  quantity: 2,
  recurringCents: 5760,
  currency: 'USD',
  interval: 'month',
  intervalCount: 3,
  startedAt: '2026-07-15T12:00:00.000Z',
  nextChargeAt: '2026-10-15T12:00:00.000Z',
  discountPercent: 10,
};
const paused: SubscriptionSnapshot = { ...active, status: 'paused', nextChargeAt: undefined };
const charge = (n: number) => ({
  chargeId: `SUB-1001-C${n}`,
  chargedAt: `2026-1${n}-15T12:00:00.000Z`,
  amountCents: 5760,
  chargeNumber: n,
});

describe('subscription builders', () => {
  it('give every fact its own deterministic id, the same on every retry', () => {
    const build = () => [
      subscriptionStarted(active, profile),
      subscriptionRenewed(active, charge(1), profile),
      subscriptionRenewed(active, charge(2), profile),
      subscriptionPaused(paused, { changeId: 1, at: '2026-11-01T00:00:00Z' }, profile),
      subscriptionResumed(active, { changeId: 2, at: '2026-11-02T00:00:00Z' }, profile),
      subscriptionPaused(paused, { changeId: 3, at: '2026-11-03T00:00:00Z' }, profile),
      subscriptionCancelled({ ...active, status: 'cancelled' }, { at: '2026-12-01T00:00:00Z' }, profile),
    ];
    const ids = build().map((e) => e.uniqueId);
    expect(build().map((e) => e.uniqueId)).toEqual(ids); // a retry builds the same ids
    expect(new Set(ids).size).toBe(ids.length); // each charge, pause and resume is its own fact
    expect(ids).toEqual([
      'subscription-started:SUB-1001',
      'subscription-renewed:SUB-1001:SUB-1001-C1',
      'subscription-renewed:SUB-1001:SUB-1001-C2',
      'subscription-paused:SUB-1001:1',
      'subscription-resumed:SUB-1001:2',
      'subscription-paused:SUB-1001:3',
      'subscription-cancelled:SUB-1001',
    ]);
  });

  it('value every event at the recurring revenue, positive; Renewed at what the charge took', () => {
    expect(subscriptionStarted(active, profile)).toMatchObject({
      metric: 'Subscription Started',
      value: 57.6,
      valueCurrency: 'USD',
      time: active.startedAt,
      properties: {
        SubscriptionId: 'SUB-1001',
        PlanName: 'Fresh tee every 3 months',
        RecurringRevenue: 57.6,
      },
    });
    expect(subscriptionRenewed(active, { ...charge(1), amountCents: 5000 }, profile)).toMatchObject({
      metric: 'Subscription Renewed',
      value: 50,
      properties: { ChargeId: 'SUB-1001-C1', ChargeNumber: 1, NextChargeDate: active.nextChargeAt },
    });
    const cancelled = subscriptionCancelled(
      { ...active, status: 'cancelled', nextChargeAt: undefined },
      { at: '2026-12-01T00:00:00Z', reason: 'moving abroad' },
      profile,
    );
    // Cancelled takes back no money anyone paid: it carries the recurring revenue it stops, positive.
    expect(cancelled).toMatchObject({
      metric: 'Subscription Cancelled',
      value: 57.6,
      properties: { Status: 'cancelled', Reason: 'moving abroad' },
    });
    expect(cancelled.properties).not.toHaveProperty('NextChargeDate');
    expect(subscriptionPaused(paused, { changeId: 1, at: '2026-11-01T00:00:00Z' }, profile).value).toBe(57.6);
  });

  it('set the profile properties: status, plan, recurring revenue, and a next charge date only while one is due', () => {
    expect(subscriptionProfileProperties(active)).toEqual({
      'Subscription Status': 'active',
      'Subscription Id': 'SUB-1001',
      'Subscription Plan': 'Fresh tee every 3 months',
      'Subscription Plan Id': 'tee-quarterly',
      'Subscription Recurring Revenue': 57.6,
      'Subscription Currency': 'USD',
      'Subscription Next Charge Date': '2026-10-15T12:00:00.000Z',
    });
    expect(subscriptionProfileProperties(paused)['Subscription Next Charge Date']).toBeNull();
  });

  it('keep subscription metrics out of the browser relay and its bundle', () => {
    expect(Object.values(METRICS)).not.toContain('Subscription Started');
    expect(BROWSER_METRICS).not.toContain('Subscription Renewed');
  });

  it('pair each event with a profile write keyed by the event, so each change is one write', () => {
    const first = subscriptionMessages.paused(paused, { changeId: 1, at: '2026-11-01T00:00:00Z' }, profile);
    const again = subscriptionMessages.paused(paused, { changeId: 1, at: '2026-11-01T00:00:00Z' }, profile);
    const second = subscriptionMessages.paused(paused, { changeId: 3, at: '2026-11-03T00:00:00Z' }, profile);
    expect(first.map((m) => [m.kind, m.key])).toEqual([
      ['event', 'event:subscription-paused:SUB-1001:1'],
      ['profile', 'profile:subscription-paused:SUB-1001:1'],
    ]);
    expect(again).toEqual(first);
    expect(second.map((m) => m.key)).not.toEqual(first.map((m) => m.key));
  });
});

describe('subscription shapes at the emulator', () => {
  let emu: TestEmulator;
  withEmulator({ rateLimits: false }, (started) => {
    emu = started;
  });

  it('are accepted as they are sent: each event by create_event, each profile write by create_or_update_profile', async () => {
    const cancelled = { ...active, status: 'cancelled' as const, nextChargeAt: undefined };
    const messages = [
      ...subscriptionMessages.started(active, profile),
      ...subscriptionMessages.renewed(active, charge(1), profile),
      ...subscriptionMessages.paused(
        paused,
        { changeId: 1, at: '2026-11-01T00:00:00Z', reason: 'away' },
        profile,
      ),
      ...subscriptionMessages.resumed(active, { changeId: 2, at: '2026-11-02T00:00:00Z' }, profile),
      ...subscriptionMessages.cancelled(cancelled, { at: '2026-12-01T00:00:00Z' }, profile),
    ];
    for (const m of messages) {
      const response =
        m.kind === 'event'
          ? await emu.api('/api/events', { method: 'POST', body: eventBody(toEventInput(m.payload)) })
          : m.kind === 'profile'
            ? await emu.api('/api/profile-import', { method: 'POST', body: profileImportBody(m.payload) })
            : undefined;
      expect([response?.status, m.key, response?.body?.errors]).toEqual([
        m.kind === 'event' ? 202 : expect.any(Number),
        m.key,
        undefined,
      ]);
      if (m.kind === 'profile') expect([200, 201]).toContain(response?.status);
    }
    await emu.settle();
    const { events } = await emu.inspect('?events=full');
    expect((events as { metric: string }[]).map((e) => e.metric).sort()).toEqual([
      'Subscription Cancelled',
      'Subscription Paused',
      'Subscription Renewed',
      'Subscription Resumed',
      'Subscription Started',
    ]);
    const found = await emu.api(
      `/api/profiles?filter=${encodeURIComponent('equals(email,"ada@example.com")')}`,
    );
    expect(found.body.data[0].attributes.properties).toMatchObject({
      'Subscription Status': 'cancelled',
      'Subscription Next Charge Date': null,
      'Subscription Recurring Revenue': 57.6,
    });
  });
});
