import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createKlaviyoClient } from '../../lib/klaviyo-next/api/client.js';
import { replayDeadLetters } from '../../lib/klaviyo-next/dashboard/delivery.js';
import type { AdminDeps } from '../../lib/klaviyo-next/dashboard/deps.js';
import { consentChange } from '../../lib/klaviyo-next/events/consent.js';
import { createDispatcher } from '../../lib/klaviyo-next/outbox/dispatcher.js';
import { OutboxStore } from '../../lib/klaviyo-next/outbox/store.js';
import { consentMessage, type OutboxMessage, profileMessage } from '../../lib/klaviyo-next/outbox/types.js';
import type { SqlDatabase } from '../../lib/klaviyo-next/sql/types.js';
import { dropPostgres, freshPostgres, freshSqlite } from '../support/databases.js';
import { type TestEmulator, withEmulator } from '../support/emulator.js';
import { describeWithPostgres } from '../support/requirements.js';
import { virtualClock } from '../support/virtual-clock.js';

/**
 * Replaying dead letters keeps each person's order: a profile write or consent change that a newer one
 * has replaced since is not sent again, so Klaviyo keeps the newer value and nobody who unsubscribed is
 * subscribed again. The merchant's replay says which it left dead and why.
 */

let emu: TestEmulator;
withEmulator({ rateLimits: false }, (started) => {
  emu = started;
});

function replayContract(
  name: string,
  open: () => Promise<SqlDatabase>,
  close: (db: SqlDatabase) => Promise<void>,
) {
  describe(`replay on ${name}`, () => {
    let db: SqlDatabase;
    let store: OutboxStore;
    const clock = virtualClock(Date.parse('2026-07-15T12:00:00Z'));
    beforeAll(async () => {
      db = await open();
      store = new OutboxStore(db);
    });
    afterAll(async () => close(db));

    const dispatcher = () =>
      createDispatcher({
        store,
        client: createKlaviyoClient({
          apiKey: emu.account.privateKey,
          baseUrl: emu.url,
          governor: null,
          ...clock,
        }),
        now: clock.now,
      });
    const enqueue = (messages: OutboxMessage[]) =>
      db.transaction((tx) => store.enqueue(tx, messages, clock.now()));
    const emailConsent = (email: string, status: 'SUBSCRIBED' | 'UNSUBSCRIBED', at: string) =>
      consentMessage(
        consentChange({ channel: 'email', status, profile: { email }, consentedAt: at, source: 'Footer' }),
      );

    it('leaves a replaced profile write and subscribe dead, so Klaviyo keeps the newer name and the unsubscribe', async () => {
      const email = `${name.toLowerCase()}-replay@example.com`;
      // Klaviyo refuses the first profile write and the subscribe (say, a bad field at the time).
      await emu.setFaults({
        errorRates: { '400': 1 },
        operations: ['create_or_update_profile', 'bulk_subscribe_profiles'],
      });
      await enqueue([
        profileMessage(`${email}:1`, { profile: { email, first_name: 'Old' } }),
        emailConsent(email, 'SUBSCRIBED', '2026-07-15T12:00:00Z'),
      ]);
      expect(await dispatcher().drain()).toMatchObject({ dead: 2 });
      await emu.clearFaults();
      // Later the shopper changes her name and unsubscribes; both are delivered.
      await enqueue([
        profileMessage(`${email}:2`, { profile: { email, first_name: 'New' } }),
        emailConsent(email, 'UNSUBSCRIBED', '2026-07-15T12:10:00Z'),
      ]);
      expect(await dispatcher().drain()).toMatchObject({ delivered: 2, dead: 0 });

      let scheduled = 0;
      const deps = { outbox: store, deliverSoon: () => scheduled++ } as unknown as AdminDeps;
      const answer = await replayDeadLetters(deps);
      expect(answer.replayed).toBe(0);
      expect(scheduled).toBe(0);
      expect(answer.skipped).toHaveLength(2);
      expect(answer.skipped.map((s) => s.reason)).toEqual(['superseded', 'superseded']);
      expect(answer.skipped[0]?.detail).toMatch(/newer profile write/);
      expect(answer.skipped[1]?.detail).toMatch(/newer email consent change/);
      await dispatcher().drain();
      await emu.settle();

      const found = await emu.api(
        `/api/profiles?filter=${encodeURIComponent(`equals(email,"${email}")`)}&additional-fields[profile]=subscriptions`,
      );
      expect(found.body.data).toHaveLength(1);
      expect(found.body.data[0].attributes.first_name).toBe('New');
      expect(found.body.data[0].attributes.subscriptions.email.marketing.consent).not.toBe('SUBSCRIBED');
      expect((await store.counts()).dead).toBe(2);
    });
  });
}

replayContract('SQLite', freshSqlite, (db) => db.close());
describeWithPostgres('Postgres', () => {
  replayContract('Postgres', freshPostgres, (db) => dropPostgres(db as SqlDatabase & { schema: string }));
});
