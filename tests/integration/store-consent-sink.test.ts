import sql from 'sql-template-tag';
import { describe, expect, it } from 'vitest';
import type { SqlDatabase } from '../../lib/klaviyo-next/sql/types.js';
import type { ConsentChange } from '../../lib/klaviyo-next/webhooks/types.js';
import { consentOf, recordConsent } from '../../lib/store/customer-consent.js';
import { storeConsentSink } from '../../lib/store/customer-consent-sink.js';
import { recordCustomerOrder } from '../../lib/store/customers.js';
import { onBothDatabases } from '../support/store-fixtures.js';

/**
 * The store's ConsentSink, called as the webhook receiver calls it: Klaviyo's unsubscribes, SMS STOP,
 * suppressions and resubscribes land on the customer's record; a change older than the recorded one,
 * or the same change again, changes nothing; two changes for one customer racing on one database end
 * with the newer, whichever commits first.
 */
let n = 0;
const T0 = Date.parse('2026-11-01T10:00:00Z');
const iso = (offsetS: number) => new Date(T0 + offsetS * 1000).toISOString();

function change(over: Partial<ConsentChange> & Pick<ConsentChange, 'channel' | 'status'>): ConsentChange {
  return {
    externalId: `ext-${process.pid}-${n++}`,
    topic: `event:klaviyo.${over.status}_${over.channel}`,
    at: iso(0),
    ...over,
  };
}

async function customer(db: SqlDatabase, phone?: string) {
  const email = `sink.${process.pid}.${n++}@example.com`;
  const row = await db.transaction((tx) =>
    recordCustomerOrder(
      tx,
      { email, firstName: 'Ada', lastName: 'Lovelace', ...(phone ? { phone } : {}) },
      T0,
    ),
  );
  return { id: row.id, email };
}

const logs: string[] = [];
const sinkOn = (db: SqlDatabase) => storeConsentSink({ db, now: () => T0, log: (event) => logs.push(event) });

onBothDatabases('the store consent sink', (database) => {
  it('records an unsubscribe, ignores an older resubscribe, and applies the same change twice as once', async () => {
    const db = database();
    const sink = sinkOn(db);
    const ada = await customer(db);
    const unsubscribe = change({
      channel: 'email',
      status: 'unsubscribed',
      email: ada.email,
      at: iso(10),
      method: 'PREFERENCE_PAGE',
    });
    await sink(unsubscribe);
    expect((await consentOf(db, ada.id)).email).toMatchObject({
      status: 'unsubscribed',
      source: 'klaviyo',
      method: 'PREFERENCE_PAGE',
      address: ada.email,
      at: T0 + 10_000,
    });
    // Older: a subscribe Klaviyo made before the unsubscribe, delivered late.
    await sink(change({ channel: 'email', status: 'subscribed', email: ada.email, at: iso(5) }));
    expect((await consentOf(db, ada.id)).email?.status).toBe('unsubscribed');
    // Redelivered after a crash: nothing changes.
    await sink(unsubscribe);
    const [row] = await db.query<{ external_id: string }>(
      sql`SELECT external_id FROM store_customer_consent WHERE customer_id = ${ada.id}`,
    );
    expect(row?.external_id).toBe(unsubscribe.externalId);
    // A newer resubscribe at Klaviyo (she chose it there) is recorded.
    await sink(change({ channel: 'email', status: 'subscribed', email: ada.email, at: iso(20) }));
    expect((await consentOf(db, ada.id)).email).toMatchObject({ status: 'subscribed', at: T0 + 20_000 });
  });

  it('does not let an older Klaviyo change undo a newer consent given in the store', async () => {
    const db = database();
    const ada = await customer(db);
    await db.transaction((tx) =>
      recordConsent(tx, {
        customerId: ada.id,
        channel: 'email',
        status: 'subscribed',
        source: 'checkout',
        address: ada.email,
        at: T0 + 60_000,
        now: T0 + 60_000,
      }),
    );
    await sinkOn(db)(change({ channel: 'email', status: 'unsubscribed', email: ada.email, at: iso(30) }));
    expect((await consentOf(db, ada.id)).email).toMatchObject({ status: 'subscribed', source: 'checkout' });
  });

  it("compares Klaviyo's whole-second times in whole seconds: a refusal in the same second as a store consent wins", async () => {
    const db = database();
    const sink = sinkOn(db);
    for (const [stored, reported, after] of [
      ['subscribed', 'unsubscribed', 'unsubscribed'],
      ['unsubscribed', 'subscribed', 'unsubscribed'],
    ] as const) {
      const ada = await customer(db);
      const at = T0 + 40_456; // a checkout's millisecond
      await db.transaction((tx) =>
        recordConsent(tx, {
          customerId: ada.id,
          channel: 'email',
          status: stored,
          source: 'checkout',
          address: ada.email,
          at,
          now: at,
        }),
      );
      await sink(change({ channel: 'email', status: reported, email: ada.email, at: iso(40) }));
      expect((await consentOf(db, ada.id)).email?.status).toBe(after);
    }
  });

  it('applies an SMS STOP to every customer whose record or order names the phone, and a suppression, and its lifting', async () => {
    const db = database();
    const sink = sinkOn(db);
    const phone = `+1415555${String(1000 + (n++ % 9000)).padStart(4, '0')}`;
    const ada = await customer(db, phone);
    const bea = await customer(db);
    await db.transaction((tx) =>
      recordConsent(tx, {
        customerId: bea.id,
        channel: 'sms',
        status: 'subscribed',
        source: 'checkout',
        address: phone,
        at: T0,
        now: T0,
      }),
    );
    await sink(
      change({ channel: 'sms', status: 'unsubscribed', phone, at: iso(10), method: 'STOP keyword' }),
    );
    for (const who of [ada, bea])
      expect((await consentOf(db, who.id)).sms).toMatchObject({ status: 'unsubscribed', address: phone });
    // A resubscribe of the phone reaches the record that names it, never a customer who only typed it.
    const cy = await customer(db, phone);
    await sink(change({ channel: 'sms', status: 'subscribed', phone, at: iso(15) }));
    expect((await consentOf(db, bea.id)).sms?.status).toBe('subscribed');
    expect((await consentOf(db, cy.id)).sms).toBeUndefined();

    await sink(change({ channel: 'email', status: 'suppressed', email: ada.email, at: iso(10) }));
    expect((await consentOf(db, ada.id)).email?.status).toBe('suppressed');
    // A lifted suppression is no consent: she is unsubscribed until she consents again.
    await sink(change({ channel: 'email', status: 'unsuppressed', email: ada.email, at: iso(20) }));
    expect((await consentOf(db, ada.id)).email?.status).toBe('unsubscribed');
  });

  it('stores nothing for an address the store has no customer for', async () => {
    const db = database();
    const before = logs.length;
    await sinkOn(db)(
      change({ channel: 'email', status: 'unsubscribed', email: `nobody.${n++}@example.com` }),
    );
    expect(logs.slice(before)).toEqual(['consent.unknown_customer']);
  });

  it('two changes for one customer interleaved: the newer wins whichever commits first', async () => {
    const db = database();
    const sink = sinkOn(db);
    for (const newerFirst of [true, false]) {
      const ada = await customer(db);
      const older = { status: 'unsubscribed' as const, at: T0 + 10_000 };
      const newer = { status: 'subscribed' as const, at: T0 + 20_000 };
      const [held, racing] = newerFirst ? [newer, older] : [older, newer];
      // One change holds its row (a store-side write in its own open transaction) while the webhook's
      // change for the same customer comes in; then the first commits.
      let release = () => {};
      const gate = new Promise<void>((resolve) => {
        release = resolve;
      });
      let entered = () => {};
      const inside = new Promise<void>((resolve) => {
        entered = resolve;
      });
      const first = db.transaction(async (tx) => {
        await recordConsent(tx, {
          customerId: ada.id,
          channel: 'email',
          status: held.status,
          source: 'preferences',
          address: ada.email,
          at: held.at,
          now: held.at,
        });
        entered();
        await gate;
      });
      await inside;
      const second = sink(
        change({
          channel: 'email',
          status: racing.status,
          email: ada.email,
          at: new Date(racing.at).toISOString(),
        }),
      );
      await waitingOnLock(db);
      release();
      await Promise.all([first, second]);
      expect((await consentOf(db, ada.id)).email).toMatchObject({ status: newer.status, at: newer.at });
    }
  });
});

/**
 * On Postgres, waits until a session is blocked on a lock (the sink's upsert waiting for the held row),
 * so the race is the one named; SQLite runs one transaction at a time, and the sink simply waits its turn.
 */
async function waitingOnLock(db: SqlDatabase) {
  if (db.dialect !== 'postgres') return;
  for (;;) {
    const [row] = await db.query<{ n: number | string }>(
      sql`SELECT COUNT(*) AS n FROM pg_stat_activity WHERE wait_event_type = 'Lock' AND query LIKE '%store_customer_consent%'`,
    );
    if (Number(row?.n) > 0) return;
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

describe('the sink on a change without an identifier the store keeps', () => {
  it('is a no-op for a profile id alone', async () => {
    const { freshSqlite } = await import('../support/databases.js');
    const db = await freshSqlite();
    await sinkOn(db)(change({ channel: 'email', status: 'unsubscribed', klaviyoProfileId: '01KPROFILE' }));
    expect(
      Number((await db.query<{ n: number }>(sql`SELECT COUNT(*) AS n FROM store_customer_consent`))[0]?.n),
    ).toBe(0);
    await db.close();
  });
});
