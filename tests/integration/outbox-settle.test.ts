import sql from 'sql-template-tag';
import { afterAll, afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createKlaviyoClient } from '../../lib/klaviyo-next/api/client.js';
import { KlaviyoApiError } from '../../lib/klaviyo-next/api/errors.js';
import { consentChange } from '../../lib/klaviyo-next/events/consent.js';
import type { DeliverOptions } from '../../lib/klaviyo-next/outbox/deliver/index.js';
import { createDispatcher } from '../../lib/klaviyo-next/outbox/dispatcher.js';
import { OutboxStore } from '../../lib/klaviyo-next/outbox/store.js';
import {
  consentMessage,
  type OutboxMessage,
  type OutboxRecord,
  profileMessage,
} from '../../lib/klaviyo-next/outbox/types.js';
import type { SqlDatabase } from '../../lib/klaviyo-next/sql/types.js';
import { dropPostgres, freshPostgres, freshSqlite } from '../support/databases.js';
import { type TestEmulator, withEmulator } from '../support/emulator.js';
import { type FaultyProxy, startFaultyProxy } from '../support/faulty-proxy.js';
import { orderEvents } from '../support/order-events.js';
import { clockedClient } from '../support/outbox-fixtures.js';
import { describeWithPostgres } from '../support/requirements.js';
import { virtualClock } from '../support/virtual-clock.js';

/**
 * A delivery round settles every record it claimed, whatever Klaviyo (or the network between) answers:
 * nothing is left unmarked to be re-sent forever, nothing is marked delivered without a success, and
 * one bad profile in a consent job costs only itself. The proxy in front of the emulator spoils answers
 * after Klaviyo did the work, as a network or an intermediary does.
 */

const BULK_EVENTS = /^\/api\/event-bulk-create-jobs\/?$/;
const PROFILE_IMPORT = /^\/api\/profile-import\/?$/;

let emu: TestEmulator;
let proxy: FaultyProxy;
withEmulator({ rateLimits: false }, async (started) => {
  emu = started;
  proxy = await startFaultyProxy(emu.url);
});
afterAll(async () => proxy?.close());

describe('the Klaviyo client', () => {
  const clock = virtualClock(Date.parse('2026-07-15T12:00:00Z'));
  const client = () =>
    createKlaviyoClient({ apiKey: emu.account.privateKey, baseUrl: proxy.url, governor: null, ...clock });
  afterEach(() => proxy.clear());

  it('turns a 2xx whose body is not JSON into a typed, retryable error, after retrying it', async () => {
    proxy.set([{ method: 'POST', path: PROFILE_IMPORT, mode: 'garble' }]);
    const before = proxy.spoiled.garble;
    const error = await client()
      .call('create_or_update_profile', {
        body: { data: { type: 'profile', attributes: { email: 'garbled@example.com' } } },
      })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(KlaviyoApiError);
    expect(error).toMatchObject({ status: 0, code: 'invalid_response', retryable: true });
    expect((error as KlaviyoApiError).detail).toContain('200');
    // The default policy retries four times before giving up.
    expect(proxy.spoiled.garble - before).toBe(5);
  });

  it('turns a stream cut mid-body into a typed, retryable error', async () => {
    proxy.set([{ method: 'POST', path: PROFILE_IMPORT, mode: 'reset' }]);
    const error = await client()
      .call('create_or_update_profile', {
        body: { data: { type: 'profile', attributes: { email: 'cut@example.com' } } },
      })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(KlaviyoApiError);
    expect(error).toMatchObject({ status: 0, code: 'response_interrupted', retryable: true });
  });

  it('returns the answer once a retry gets a whole one', async () => {
    proxy.set([{ method: 'POST', path: PROFILE_IMPORT, mode: 'reset', count: 2 }]);
    const answer = await client().call('create_or_update_profile', {
      body: { data: { type: 'profile', attributes: { email: 'second-time@example.com' } } },
    });
    expect(answer.data.attributes.email).toBe('second-time@example.com');
  });
});

function settleContract(
  name: string,
  open: () => Promise<SqlDatabase>,
  close: (db: SqlDatabase) => Promise<void>,
) {
  describe(`a delivery round on ${name}`, () => {
    let db: SqlDatabase;
    let store: OutboxStore;
    const clock = virtualClock(Date.parse('2026-07-15T12:00:00Z'));
    const dispatcher = (batchSize?: number, deliver?: DeliverOptions) =>
      createDispatcher({
        ...(batchSize ? { batchSize } : {}),
        ...(deliver ? { deliver } : {}),
        store,
        client: clockedClient(emu, clock, proxy.url),
        now: clock.now,
        random: () => 0.5,
      });
    const enqueue = (messages: OutboxMessage[]) =>
      db.transaction((tx) => store.enqueue(tx, messages, clock.now()));
    const all = async () => store.list({ limit: 10_000 });
    const byKey = async () => new Map((await all()).map((r) => [r.key, r]));

    beforeEach(async () => {
      db = await open();
      store = new OutboxStore(db);
    });
    afterEach(async () => {
      proxy.clear();
      await emu.clearFaults();
      await close(db);
    });

    it('settles a bulk job whose 2xx answer is not JSON: the events retry, then arrive once', async () => {
      const events = Array.from({ length: 4 }, (_, i) => orderEvents(`NJ${i}`, `nj${i}@example.com`)).flat();
      await enqueue([...events, profileMessage('nj', { profile: { email: 'nj-profile@example.com' } })]);
      proxy.set([{ method: 'POST', path: BULK_EVENTS, mode: 'garble' }]);
      const first = await dispatcher().drain();
      // Events go first; the failed job stops the round, so the profile write behind it is held, unsent.
      expect(first).toMatchObject({ claimed: 17, delivered: 0, retrying: 17, dead: 0 });
      const records = await all();
      const retrying = records.filter((r) => r.kind === 'event');
      expect(retrying.every((r) => r.state === 'retrying' && r.attempts === 1)).toBe(true);
      expect(retrying[0]?.lastError).toMatchObject({ status: 0, code: 'invalid_response' });
      expect(records.find((r) => r.kind === 'profile')).toMatchObject({ state: 'pending', attempts: 0 });
      proxy.clear();
      clock.advanceTo(Math.max(...retrying.map((r) => r.availableAt)));
      expect(await dispatcher().drain()).toMatchObject({ delivered: 17, retrying: 0, dead: 0 });
      await emu.settle();
      const recorded = (await emu.inspect('?events=full')).events.filter((e: { uniqueId: string }) =>
        /:NJ\d/.test(e.uniqueId),
      );
      expect(recorded).toHaveLength(16);
    });

    it('settles a profile write whose answer is cut mid-stream', async () => {
      await enqueue([profileMessage('cut', { profile: { email: 'cut-stream@example.com' } })]);
      proxy.set([{ method: 'POST', path: PROFILE_IMPORT, mode: 'reset' }]);
      expect(await dispatcher().drain()).toMatchObject({ claimed: 1, retrying: 1 });
      const [record] = await all();
      expect(record).toMatchObject({ state: 'retrying', attempts: 1 });
      expect(record?.lastError).toMatchObject({ code: 'response_interrupted' });
    });

    it('leaves a kind it does not know for a newer worker: not delivered, not dead, no attempt', async () => {
      await enqueue([profileMessage('known', { profile: { email: 'known-kind@example.com' } })]);
      const t = clock.now();
      await db.query(sql`INSERT INTO klaviyo_outbox (kind, dedup_key, order_key, payload, state, attempts, available_at, created_at, updated_at)
         VALUES ('loyalty-points', 'loyalty:1', NULL, '{"points":10}', 'pending', 0, ${t}, ${t}, ${t})`);
      const result = await dispatcher().drain();
      expect(result).toMatchObject({ delivered: 1, retrying: 0, dead: 0 });
      const future = (await byKey()).get('loyalty:1');
      expect(future).toMatchObject({ state: 'pending', attempts: 0, availableAt: t });
      expect(future?.deliveredAt).toBeUndefined();
      const [row] = await db.query<{ lease_owner: string | null }>(
        sql`SELECT lease_owner FROM klaviyo_outbox WHERE dedup_key = 'loyalty:1'`,
      );
      expect(row?.lease_owner).toBeNull();
    });

    it('settles the rest of a round when a deliverer throws, and retries what it could not send', async () => {
      const good = orderEvents('TH1', 'throws@example.com');
      await enqueue(good);
      const t = clock.now();
      // A row whose payload a deliverer cannot read (no profile): building its body throws.
      await db.query(sql`INSERT INTO klaviyo_outbox (kind, dedup_key, order_key, payload, state, attempts, available_at, created_at, updated_at)
         VALUES ('event', 'event:broken', NULL, '{"metric":"Broken"}', 'pending', 0, ${t}, ${t}, ${t})`);
      const result = await dispatcher().drain();
      expect(result).toMatchObject({ claimed: 5, delivered: 4, retrying: 1, dead: 0 });
      const broken = (await byKey()).get('event:broken');
      expect(broken).toMatchObject({ state: 'retrying', attempts: 1 });
      expect(broken?.lastError).toMatchObject({ status: 0, code: 'internal_error' });
      expect(broken?.lastError?.detail).toMatch(/TypeError/);
      // A failure of our own that keeps coming back is shown to the merchant, not retried forever.
      for (let round = 0; round < 20; round++) {
        const now = (await byKey()).get('event:broken');
        if (now?.state !== 'retrying') break;
        clock.advanceTo(now.availableAt);
        await dispatcher().drain();
      }
      expect((await byKey()).get('event:broken')).toMatchObject({ state: 'dead', attempts: 10 });
    });

    it('counts no attempt for profile writes a stop kept from being sent, nor backs them off', async () => {
      const messages = Array.from({ length: 12 }, (_, i) =>
        profileMessage(`stop${i}`, { profile: { email: `stop${i}@example.com` } }),
      );
      await enqueue(messages);
      await emu.setFaults({ down: true, operations: ['create_or_update_profile'] });
      // One call each (below the import-job trickle), eight in flight at once.
      const result = await dispatcher(undefined, { profileTrickle: 100 }).drain();
      expect(result).toMatchObject({ claimed: 12, delivered: 0, dead: 0 });
      const records = await all();
      const sent = records.filter((r) => r.attempts === 1);
      const held = records.filter((r) => r.attempts === 0);
      // eachLimited sends eight at once. The first to fail stops the round: the others in flight are
      // cancelled and held with the four never started (an answer already in is still a failure).
      expect(sent.length).toBeGreaterThanOrEqual(1);
      expect(sent.length + held.length).toBe(12);
      expect(held.length).toBeGreaterThanOrEqual(4);
      expect(held.every((r) => r.state === 'pending')).toBe(true);
      const soonestRetry = Math.min(...sent.map((r) => r.availableAt));
      expect(held.every((r) => r.availableAt <= soonestRetry)).toBe(true);
    });

    it('stops sending consent jobs once the key is refused (401), and counts no attempt for the rest', async () => {
      const lists = ['L1', 'L2', 'L3'];
      // One group per list: three subscribe jobs in one round.
      await enqueue(
        lists.map((listId, i) =>
          consentMessage(
            consentChange({
              channel: 'email',
              status: 'SUBSCRIBED',
              profile: { email: `key${i}@example.com` },
              listId,
              consentedAt: '2026-07-15T12:00:00Z',
              source: 'Footer',
            }),
          ),
        ),
      );
      const before = (await emu.inspect()).requests.bulk_subscribe_profiles ?? 0;
      await emu.setFaults({ errorRates: { '401': 1 }, operations: ['bulk_subscribe_profiles'] });
      expect(await dispatcher().drain()).toMatchObject({ claimed: 3, delivered: 0, dead: 0, retrying: 3 });
      expect((await emu.inspect()).requests.bulk_subscribe_profiles - before).toBe(1);
      const attempts = (await all()).map((r) => r.attempts).sort();
      expect(attempts).toEqual([0, 0, 1]);
    });

    it('counts no attempt for the bulk jobs after one that failed', async () => {
      // 2,500 events: three jobs; the first fails (outage), the other two are never sent.
      const events = Array.from({ length: 625 }, (_, i) =>
        orderEvents(`SJ${i}`, `sj${i}@example.com`),
      ).flat();
      await enqueue(events);
      await emu.setFaults({ down: true, operations: ['bulk_create_events'] });
      const result = await dispatcher(3000).round();
      expect(result).toMatchObject({ claimed: 2500, delivered: 0, dead: 0 });
      const records = await all();
      expect(records.filter((r) => r.attempts === 1)).toHaveLength(1000);
      expect(records.filter((r) => r.attempts === 0)).toHaveLength(1500);
    });

    it.each([
      ['an index out of range', '/data/attributes/profiles/data/7/attributes/email'],
      ['a malformed index', '/data/attributes/profiles/data/x1/attributes/email'],
      ['a negative index', '/data/attributes/profiles/data/-1'],
    ])(
      'marks no record for a consent job refusal whose pointer names %s, and delivers each alone',
      async (_, pointer) => {
        const emails = ['p0@example.com', 'p1@example.com', 'p2@example.com'].map(
          (e) => `${pointer.length}${e}`,
        );
        await enqueue(
          emails.map((email) =>
            consentMessage(
              consentChange({
                channel: 'email',
                status: 'SUBSCRIBED',
                profile: { email },
                consentedAt: '2026-07-15T12:00:00Z',
                source: 'Footer',
              }),
            ),
          ),
        );
        proxy.set([
          {
            method: 'POST',
            path: /^\/api\/profile-subscription-bulk-create-jobs\/?$/,
            mode: 'replace',
            count: 1,
            replaceWith: {
              status: 400,
              body: {
                errors: [
                  {
                    id: 'e1',
                    status: 400,
                    code: 'invalid',
                    title: 'Invalid input.',
                    detail: 'Not a valid email.',
                    source: { pointer },
                  },
                ],
              },
            },
          },
        ]);
        expect(await dispatcher().drain()).toMatchObject({ claimed: 3, delivered: 3, dead: 0 });
      },
    );

    it('two dispatchers draining one database deliver each message once and one person’s writes in order', async () => {
      const events = Array.from({ length: 30 }, (_, i) => orderEvents(`TW${i}`, `tw${i}@example.com`)).flat();
      const writes = Array.from({ length: 8 }, (_, i) =>
        profileMessage(`tw-write-${i}`, {
          profile: { email: 'two-workers@example.com', first_name: `Name${i}` },
        }),
      );
      await enqueue([...writes.slice(0, 4), ...events, ...writes.slice(4)]);
      // Small batches so each claims while the other is sending or settling.
      const [a, b] = await Promise.all([dispatcher(7).drain(), dispatcher(7).drain()]);
      const total = events.length + writes.length;
      expect(a.delivered + b.delivered).toBe(total);
      expect(a.dead + b.dead + a.retrying + b.retrying).toBe(0);
      expect((await store.counts()).delivered).toBe(total);
      await emu.settle();
      const recorded = (await emu.inspect('?events=full')).events.filter((e: { uniqueId: string }) =>
        /:TW\d/.test(e.uniqueId),
      );
      expect(recorded).toHaveLength(events.length);
      const found = await emu.api(
        `/api/profiles?filter=${encodeURIComponent('equals(email,"two-workers@example.com")')}`,
      );
      expect(found.body.data[0].attributes.first_name).toBe('Name7');
    });

    it('dead-letters only the profile a consent job names as bad, and delivers the rest', async () => {
      const change = (email: string) =>
        consentMessage(
          consentChange({
            channel: 'email',
            status: 'SUBSCRIBED',
            profile: { email },
            consentedAt: '2026-07-15T12:00:00Z',
            source: 'Footer',
          }),
        );
      const emails = ['c0@example.com', 'c1@example.com', 'bad@nodot', 'c3@example.com', 'c4@example.com'];
      await enqueue(emails.map(change));
      const result = await dispatcher().drain();
      expect(result).toMatchObject({ claimed: 5, delivered: 4, dead: 1 });
      const dead = (await all()).filter((r) => r.state === 'dead');
      expect(
        dead.map((r) => (r as Extract<OutboxRecord, { kind: 'consent' }>).payload.profile.email),
      ).toEqual(['bad@nodot']);
      expect(dead[0]?.lastError?.pointer).toBe('/data/attributes/profiles/data/2/attributes/email');
      await emu.settle();
      for (const email of ['c0@example.com', 'c4@example.com']) {
        const found = await emu.api(
          `/api/profiles?filter=${encodeURIComponent(`equals(email,"${email}")`)}&additional-fields[profile]=subscriptions`,
        );
        expect(found.body.data[0].attributes.subscriptions.email.marketing.consent).toBe('SUBSCRIBED');
      }
      // Replayed, the bad one fails alone again; the others stay delivered.
      const { replayed } = await store.replay(
        dead.map((r) => r.id),
        clock.now(),
      );
      expect(replayed).toHaveLength(1);
      expect(await dispatcher().drain()).toMatchObject({ claimed: 1, delivered: 0, dead: 1 });
      expect((await store.counts()).delivered).toBe(4);
    });
  });
}

settleContract('SQLite', freshSqlite, (db) => db.close());
describeWithPostgres('Postgres', () => {
  settleContract('Postgres', freshPostgres, (db) => dropPostgres(db as SqlDatabase & { schema: string }));
});
