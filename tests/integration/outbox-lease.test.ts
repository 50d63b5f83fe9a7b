import sql from 'sql-template-tag';
import { beforeEach, expect, it } from 'vitest';
import { createKlaviyoClient } from '../../lib/klaviyo-next/api/client.js';
import { consentChange } from '../../lib/klaviyo-next/events/consent.js';
import { createDispatcher, type DispatcherOptions } from '../../lib/klaviyo-next/outbox/dispatcher.js';
import { createDelivery } from '../../lib/klaviyo-next/outbox/runtime.js';
import type { OutboxStore } from '../../lib/klaviyo-next/outbox/store.js';
import { consentMessage, type OutboxMessage, profileMessage } from '../../lib/klaviyo-next/outbox/types.js';
import type { SqlDatabase } from '../../lib/klaviyo-next/sql/types.js';
import type { TestEmulator } from '../support/emulator.js';
import { orderEvents } from '../support/order-events.js';
import { recordedCounts, useEmulatorAndPostgresOutbox } from '../support/outbox-fixtures.js';
import { describeWithPostgres } from '../support/requirements.js';

/**
 * Leases on one Postgres outbox: a round renews its lease while it runs (every third of it), so a
 * round slower than its lease keeps its rows; a round whose renewal finds its rows taken stops at
 * once and records nothing over the new holder; and workers interleaving on one outbox send each
 * message once and lose none. Real time: the emulator answers slowly (latencyMs) and the leases are
 * short, waits are for states, not for durations.
 */

describeWithPostgres('leases on one Postgres outbox', () => {
  let emu: TestEmulator;
  let db: SqlDatabase;
  let store: OutboxStore;
  const world = useEmulatorAndPostgresOutbox();
  beforeEach(() => {
    ({ emu, db, store } = world);
  });

  const client = () =>
    createKlaviyoClient({
      apiKey: emu.account.privateKey,
      baseUrl: emu.url,
      governor: null,
      timeoutMs: 30_000,
    });
  const dispatcher = (options: Partial<DispatcherOptions> = {}) =>
    createDispatcher({ store, client: client(), account: emu.account.id, ...options });
  const enqueue = (messages: OutboxMessage[]) => db.transaction((tx) => store.enqueue(tx, messages));
  const leases = () =>
    db.query<{ lease_owner: string | null; lease_until: number | null }>(
      sql`SELECT lease_owner, lease_until FROM klaviyo_outbox WHERE lease_owner IS NOT NULL`,
    );
  async function until(check: () => Promise<boolean>) {
    for (let i = 0; !(await check()); i++) {
      if (i > 1000) throw new Error('gave up waiting');
      await new Promise((r) => setTimeout(r, 20));
    }
  }

  it('a round slower than its lease renews it: another worker claims nothing meanwhile, and the round delivers all', async () => {
    const messages = Array.from({ length: 5 }, (_, i) =>
      orderEvents(`LEASE-R${i}`, `r${i}@example.com`),
    ).flat();
    await enqueue(messages);
    // Klaviyo answers the job after 3 s; the lease is 900 ms, renewed every 300 ms.
    await emu.setFaults({ latencyMs: 3_000, operations: ['bulk_create_events'] });
    const slow = dispatcher({ leaseMs: 900 });
    const round = slow.round();
    await until(async () => (await leases()).length === messages.length);
    const firstUntil = Math.max(...(await leases()).map((l) => Number(l.lease_until)));
    // Past the lease as first granted: without renewal the rows would be anyone's now.
    await until(async () => (await store.now()) > firstUntil + 300);
    const renewed = await leases();
    expect(renewed.every((l) => Number(l.lease_until) > firstUntil)).toBe(true);
    expect(await dispatcher({ leaseMs: 900 }).round()).toMatchObject({ claimed: 0 });
    expect(await round).toMatchObject({ claimed: messages.length, delivered: messages.length, retrying: 0 });
  });

  it('a round whose renewal finds its rows taken stops at once, sends no more and records nothing over the new holder', async () => {
    // One create_or_update_profile call each (no import job), eight in flight, each answered after 20 s.
    const messages = Array.from({ length: 20 }, (_, i) =>
      profileMessage(`lost${i}`, { profile: { email: `lost${i}@example.com` } }),
    );
    await enqueue(messages);
    await emu.setFaults({ latencyMs: 20_000, operations: ['create_or_update_profile'] });
    const callsBefore = (await emu.inspect()).requests.create_or_update_profile ?? 0;
    const loser = dispatcher({ leaseMs: 900, deliver: { profileTrickle: Number.POSITIVE_INFINITY } });
    const round = loser.round();
    await until(async () => (await leases()).length === messages.length);
    // Another worker holds them now (as after the lease ran out while this one was stalled).
    await db.query(sql`UPDATE klaviyo_outbox SET lease_owner = 'new-holder' WHERE lease_owner IS NOT NULL`);
    const startedWaiting = Date.now();
    const result = await round;
    // Well before any of the 20 s answers: the renewal stopped the round and cancelled its calls.
    expect(Date.now() - startedWaiting).toBeLessThan(10_000);
    expect(result).toMatchObject({ claimed: 20, delivered: 0, dead: 0, stoppedBy: { code: 'lease_lost' } });
    const rows = await db.query<{ lease_owner: string; state: string; attempts: number }>(
      sql`SELECT lease_owner, state, attempts FROM klaviyo_outbox`,
    );
    expect(
      rows.every((r) => r.lease_owner === 'new-holder' && r.state === 'pending' && r.attempts === 0),
    ).toBe(true);
    const calls = ((await emu.inspect()).requests.create_or_update_profile ?? 0) - callsBefore;
    expect(calls).toBeLessThanOrEqual(8);
  });

  it('four workers interleaving on one outbox send each message once and lose none', async () => {
    const orders = Array.from({ length: 150 }, (_, i) =>
      orderEvents(`LEASE-W${i}`, `w${i % 60}@example.com`),
    ).flat();
    const people = Array.from({ length: 60 }, (_, i) => [
      profileMessage(`w${i}-a`, { profile: { email: `w${i}@example.com` }, properties: { step: 1 } }),
      consentMessage(
        consentChange({
          channel: 'email',
          status: 'SUBSCRIBED',
          profile: { email: `w${i}@example.com` },
          consentedAt: '2026-07-15T12:00:00Z',
          source: 'Checkout',
        }),
      ),
      profileMessage(`w${i}-b`, { profile: { email: `w${i}@example.com` }, properties: { step: 2 } }),
    ]).flat();
    const messages = [...orders, ...people];
    for (let i = 0; i < messages.length; i += 100) await enqueue(messages.slice(i, i + 100));
    // Small batches, short fences, a little latency: the workers' rounds overlap all the time.
    await emu.setFaults({ latencyMs: 30 });
    const stop = new AbortController();
    const workers = Array.from({ length: 4 }, () =>
      createDelivery({
        store,
        client: client(),
        account: emu.account.id,
        batchSize: 40,
        leaseMs: 5_000,
        deliver: { eventsSettleMs: 200, consentSettleMs: 200, importFenceMs: 200 },
        log: () => undefined,
      }),
    );
    const running = workers.map((w) => w.work(stop.signal, 20));
    await until(async () => {
      const c = await store.counts();
      return c.pending + c.retrying === 0;
    });
    stop.abort();
    await Promise.all(running);
    expect(await store.counts()).toMatchObject({
      delivered: messages.length,
      pending: 0,
      retrying: 0,
      dead: 0,
    });
    expect(await leases()).toEqual([]);
    const seen = await recordedCounts(emu);
    const inspected = await emu.inspect();
    const sent = orders.map((m) => (m.kind === 'event' ? m.payload.uniqueId : ''));
    expect(sent.filter((id) => seen.get(id) !== 1)).toEqual([]);
    // No duplicate reached Klaviyo (it would have suppressed it) and every person's newest write won.
    expect(
      inspected.suppressed.filter((s: { uniqueId?: string }) => s.uniqueId?.includes('LEASE-W')),
    ).toEqual([]);
    const profile = await emu.api(
      `/api/profiles?filter=${encodeURIComponent('equals(email,"w7@example.com")')}`,
    );
    expect(profile.body.data[0].attributes.properties).toMatchObject({ step: 2 });
  });
});
