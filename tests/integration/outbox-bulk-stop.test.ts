import sql from 'sql-template-tag';
import { beforeEach, describe, expect, it } from 'vitest';
import { consentChange } from '../../lib/klaviyo-next/events/consent.js';
import {
  deliverAll,
  KNOWN_KINDS,
  ROUND_ENDED,
  roundControl,
} from '../../lib/klaviyo-next/outbox/deliver/index.js';
import type { Outcomes } from '../../lib/klaviyo-next/outbox/deliver/outcome.js';
import {
  backInStockMessage,
  consentMessage,
  type OutboxMessage,
  type OutboxRecord,
  profileMessage,
} from '../../lib/klaviyo-next/outbox/types.js';
import { orderEvents } from '../support/order-events.js';
import { useEmulatorAndSqliteOutbox } from '../support/outbox-fixtures.js';

/**
 * Item 3's deliverer half: one round stops for every kind at the first failure that means every other
 * call would meet the same answer (a 429 on profiles holds consent and back in stock back unsent), and
 * a round whose time is up or whose worker is stopping sends nothing more and cancels what is in flight.
 */
describe('a round stops every kind', () => {
  const outbox = useEmulatorAndSqliteOutbox();
  const { clock } = outbox;

  beforeEach(async () => {
    await outbox.db.query(sql`DELETE FROM klaviyo_outbox`);
  });

  const client = () =>
    // A 429 comes straight back to the deliverer, as it does once the client's own waits run out.
    outbox.client({ retry: { maxRetries: 0, maxThrottledRetries: 0 } });
  const { requests } = outbox;
  const claimed = async (messages: OutboxMessage[]) => {
    await outbox.enqueue(messages);
    return outbox.store.claim('stop-test', 1000, 60_000, clock.now(), KNOWN_KINDS);
  };
  const consent = (i: number) =>
    consentMessage(
      consentChange({
        channel: 'email',
        status: 'SUBSCRIBED',
        profile: { email: `c${i}@example.com` },
        consentedAt: '2026-07-15T12:00:00Z',
        source: 'Checkout',
      }),
    );
  const backInStock = (i: number) =>
    backInStockMessage({ profile: { email: `b${i}@example.com` }, variantId: `v${i}`, channels: ['EMAIL'] });
  const outcomesOf = (records: OutboxRecord[], outcomes: Outcomes, kind: OutboxRecord['kind']) =>
    records.filter((r) => r.kind === kind).map((r) => outcomes.get(r.id));

  it('a 429 on profiles holds consent and back in stock back, unsent', async () => {
    const records = await claimed([
      ...[1, 2, 3].map((i) => profileMessage(`p${i}`, { profile: { email: `p${i}@example.com` } })),
      ...[1, 2].map(consent),
      ...[1, 2].map(backInStock),
    ]);
    await outbox.emu.setFaults({
      storm429: { count: 100, retryAfterSeconds: 7 },
      operations: ['create_or_update_profile'],
    });
    const before = await requests();
    const control = roundControl(undefined, clock.now);
    const outcomes = await deliverAll(client(), records, new Map(), control);
    const after = await requests();

    expect(control.stoppedBy?.status).toBe(429);
    // The write that met the 429 failed with it; the rest of the round was never sent.
    const profiles = outcomesOf(records, outcomes, 'profile');
    expect(profiles.filter((o) => o?.kind === 'failed' && o.error.status === 429).length).toBeGreaterThan(0);
    for (const o of [
      ...outcomesOf(records, outcomes, 'consent'),
      ...outcomesOf(records, outcomes, 'back-in-stock'),
    ])
      expect(o).toMatchObject({ kind: 'held', because: { status: 429 } });
    expect((after.bulk_subscribe_profiles ?? 0) - (before.bulk_subscribe_profiles ?? 0)).toBe(0);
    expect(
      (after.create_back_in_stock_subscription ?? 0) - (before.create_back_in_stock_subscription ?? 0),
    ).toBe(0);
  });

  it('a 429 on the events job holds the profile writes, consent and back in stock back', async () => {
    const records = await claimed([
      ...Array.from({ length: 5 }, (_, i) => orderEvents(`S${i}`, `s${i}@example.com`)).flat(),
      // Writes of people with no event in the round: they cannot ride.
      ...[1, 2].map((i) => profileMessage(`q${i}`, { profile: { email: `q${i}@example.com` } })),
      consent(3),
      backInStock(3),
    ]);
    await outbox.emu.setFaults({
      storm429: { count: 1, retryAfterSeconds: 5 },
      operations: ['bulk_create_events'],
    });
    const before = await requests();
    const control = roundControl(undefined, clock.now);
    const outcomes = await deliverAll(client(), records, new Map(), control);
    const after = await requests();
    expect(outcomesOf(records, outcomes, 'event').every((o) => o?.kind === 'failed')).toBe(true);
    for (const kind of ['profile', 'consent', 'back-in-stock'] as const)
      for (const o of outcomesOf(records, outcomes, kind))
        expect(o).toMatchObject({ kind: 'held', because: { status: 429 } });
    const sent = (op: string) => (after[op] ?? 0) - (before[op] ?? 0);
    expect(sent('bulk_create_events')).toBe(1);
    expect(sent('create_or_update_profile') + sent('bulk_subscribe_profiles')).toBe(0);
  });

  it('a round whose deadline passed or whose worker is stopping sends nothing: every record held, ROUND_ENDED', async () => {
    const records = await claimed([
      ...Array.from({ length: 3 }, (_, i) => orderEvents(`E${i}`, `e${i}@example.com`)).flat(),
      profileMessage('r1', { profile: { email: 'r1@example.com' } }),
      consent(4),
      backInStock(4),
    ]);
    const ended = new AbortController();
    ended.abort();
    const before = await requests();
    const outcomes = await deliverAll(client(), records, new Map(), roundControl(ended.signal, clock.now));
    const after = await requests();
    for (const r of records) expect(outcomes.get(r.id)).toEqual({ kind: 'held', because: ROUND_ENDED });
    expect(after).toEqual(before);
  });

  it('a call in flight when the worker stops is cancelled, and its records are held, not failed', async () => {
    const records = await claimed(
      Array.from({ length: 5 }, (_, i) => orderEvents(`F${i}`, `f${i}@example.com`)).flat(),
    );
    // Klaviyo answers slowly; the worker stops while the job is on its way.
    await outbox.emu.setFaults({ latencyMs: 5_000, operations: ['bulk_create_events'] });
    const stopping = new AbortController();
    const control = roundControl(stopping.signal, clock.now);
    const before = (await requests()).bulk_create_events ?? 0;
    const delivering = deliverAll(client(), records, new Map(), control);
    // Stopped once Klaviyo has the request (the emulator counts it as it arrives), not before.
    while (((await requests()).bulk_create_events ?? 0) === before)
      await new Promise((r) => setTimeout(r, 10));
    stopping.abort();
    // Answered only after 5 s: delivered, had the call not been cancelled.
    const outcomes = await delivering;
    for (const r of records) expect(outcomes.get(r.id)).toMatchObject({ kind: 'held', because: ROUND_ENDED });
  });
});
