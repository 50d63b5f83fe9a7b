import { randomUUID } from 'node:crypto';
import sql from 'sql-template-tag';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDispatcher } from '../../lib/klaviyo-next/outbox/dispatcher.js';
import { backInStockMessage, profileMessage } from '../../lib/klaviyo-next/outbox/types.js';
import { openSqlite } from '../../lib/klaviyo-next/sql/sqlite.js';
import type { SqlDatabase } from '../../lib/klaviyo-next/sql/types.js';
import { eraseCustomer, eraseCustomerAsMerchant } from '../../lib/store/erasure.js';
import { placeOrder } from '../../lib/store/orders/place-order.js';
import { accountThroughLink } from '../support/account-links.js';
import { dropPostgres, freshPostgres, migratedSqliteFile } from '../support/databases.js';
import { type TestEmulator, withEmulator } from '../support/emulator.js';
import { findInSqliteFiles, findInTables, tableNames } from '../support/erasure-scan.js';
import { clockedClient } from '../support/outbox-fixtures.js';
import { describeWithPostgres } from '../support/requirements.js';
import { cartWith, checkoutForm, type TestStoreDeps, testStoreDeps } from '../support/store-fixtures.js';
import { virtualClock } from '../support/virtual-clock.js';

/**
 * Erasure end to end, on SQLite (a file, so its bytes can be searched) and Postgres: a shopper with
 * an account, orders, consent, messages delivered, waiting, dead-lettered and fenced, a dashboard
 * cache entry and a webhook inbox item naming her is erased; then the database holds no copy of her
 * email or phone in any column of any table (and, on SQLite, anywhere in the file), while a second
 * shopper whose email contains hers keeps everything; and the emulator received one
 * request_profile_deletion per identifier and deleted her profile.
 */

let phones = 10;
function shopper(tag: string) {
  const id = randomUUID().slice(0, 8);
  const nn = String(phones++);
  const who = {
    email: `${tag}-${id}@example.com`,
    typedPhone: `(415) 555-01${nn}`,
    e164: `+1415555 01${nn}`.replace(' ', ''),
    // The national digits: a substring of the E.164 and of any formatted form worth finding.
    digits: `41555501${nn}`,
  };
  return { ...who, traces: tracesOf(who) };
}

/** Every form her identifiers are written in: as typed, URL-encoded (consent keys), national digits. */
function tracesOf(who: { email: string; digits: string }) {
  return [who.email, encodeURIComponent(who.email), who.digits];
}

function erasureSuite(
  backend: string,
  open: () => Promise<{ db: SqlDatabase; path?: string }>,
  close: (db: SqlDatabase) => Promise<void>,
) {
  describe(`erasure on ${backend}`, () => {
    let emu: TestEmulator;
    let db: SqlDatabase;
    let path: string | undefined;
    let deps: TestStoreDeps;
    // Ahead of the store's clock (testStoreDeps: July 2026), so everything enqueued is due.
    const clock = virtualClock(Date.parse('2026-12-01T00:00:00Z'));
    withEmulator({ rateLimits: false }, (started) => {
      emu = started;
    });
    beforeAll(async () => {
      ({ db, path } = await open());
      deps = testStoreDeps(db);
    });
    afterAll(async () => close(db));

    /** Delivers everything due, moving past the fences bulk writes leave, until nothing waits. */
    async function drainAll() {
      const dispatcher = createDispatcher({
        store: deps.outbox,
        client: clockedClient(emu, clock),
        now: clock.now,
      });
      for (let i = 0; i < 8; i++) {
        await dispatcher.drain();
        await emu.settle();
        const [waiting] = await db.query<{ n: number }>(
          sql`SELECT COUNT(*) AS n FROM klaviyo_outbox WHERE state IN ('pending', 'retrying')`,
        );
        if (Number(waiting?.n) === 0) return;
        clock.advanceTo(clock.now() + 10 * 60_000);
      }
      throw new Error('messages still waiting after eight drains');
    }

    async function checkout(who: ReturnType<typeof shopper>, consent = true) {
      const cartId = await cartWith(deps, [['linen-napkins-indigo', 1]]);
      const placed = await placeOrder(
        deps,
        checkoutForm(cartId, {
          email: who.email,
          phone: who.typedPhone,
          ...(consent ? {} : { marketing: {} }),
        }),
      );
      if (!placed.ok) throw new Error(placed.error.message);
      return placed.data.orderId;
    }

    async function customerId(email: string) {
      const [row] = await db.query<{ id: string }>(
        sql`SELECT id FROM store_customers WHERE email = ${email}`,
      );
      if (!row) throw new Error(`no customer ${email}`);
      return row.id;
    }

    async function profileAtKlaviyo(email: string) {
      const found = await emu.api(`/api/profiles?filter=${encodeURIComponent(`equals(email,"${email}")`)}`);
      return (found.body.data as unknown[]).length;
    }

    it('leaves no copy of her email or phone in any table (nor the SQLite file), keeps her orders for the books, and has Klaviyo delete her', async () => {
      const her = shopper('erase-me');
      // Another shopper whose email and phone contain hers, as text: nothing of hers may be taken.
      const someone = shopper('keep-me');
      const other = {
        ...someone,
        email: `x${her.email}`,
        typedPhone: someone.typedPhone.replace('(415)', '(416)'),
      };
      other.traces = [other.email, encodeURIComponent(other.email)];

      await accountThroughLink(deps, deps.links as never, {
        email: her.email,
        password: 'correct horse battery staple',
        firstName: 'Ada',
        lastName: 'Lovelace',
      });
      const firstOrder = await checkout(her);
      await checkout(other);
      await drainAll();
      expect(await profileAtKlaviyo(her.email)).toBe(1);

      // Now messages of hers in every state: waiting (a second order and a back-in-stock request), dead.
      const secondOrder = await checkout(her);
      await db.transaction((tx) =>
        deps.outbox.enqueue(
          tx,
          [
            backInStockMessage({
              profile: { email: her.email },
              variantId: 'linen-napkins-indigo',
              channels: ['EMAIL'],
            }),
            profileMessage(`dead-${her.email}`, {
              profile: { email: her.email },
              properties: { Note: 'refused' },
            }),
          ],
          deps.now(),
        ),
      );
      await db.query(sql`UPDATE klaviyo_outbox SET state = 'dead', last_error = ${JSON.stringify({ status: 400, code: 'invalid', detail: `'${her.email}' refused` })}
        WHERE dedup_key = ${`profile:dead-${her.email}`}`);
      // A dashboard cache entry (a list's members) and a webhook inbox item that name her.
      await db.query(sql`INSERT INTO klaviyo_admin_cache (key, value, fetched_at) VALUES ('members:NwsLtr',
        ${JSON.stringify({ members: [{ email: her.email, phone: her.e164 }, { email: other.email }] })}, 1)`);
      await db.query(sql`INSERT INTO klaviyo_webhook_inbox (external_id, webhook_id, topic, identity, event_at, change, state, available_at, received_at)
        VALUES (${`ext-${her.email}`.replace(her.email, randomUUID())}, 'wh1', 'event:klaviyo.unsubscribed_from_sms_marketing', ${her.e164}, 1,
        ${JSON.stringify({ phone: her.e164, channel: 'sms', status: 'unsubscribed' })}, 'pending', 1, 1)`);
      // The other shopper's waiting messages: none may be dropped.
      await checkout(other, false);
      // (The cache entry that names both goes whole: it is read again from Klaviyo when next viewed.)
      const othersRows = async () =>
        (await findInTables(db, [other.email])).filter((hit) => !hit.startsWith('klaviyo_admin_cache'));
      const othersBefore = await othersRows();

      const erased = await eraseCustomerAsMerchant(deps, { email: her.email });
      expect(erased).toMatchObject({ ok: true, data: { alreadyErased: false } });
      if (!erased.ok) return;
      expect(erased.data.counts).toMatchObject({
        orders: 2,
        credentials: 1,
        deletionRequests: 2,
        removedCacheEntries: 1,
        redactedInboxItems: 1,
      });
      expect(erased.data.counts.droppedWaiting).toBeGreaterThan(0);
      // The one made dead here, and her checkout's consent (the emulator has no list NwsLtr).
      expect(erased.data.counts.removedDead).toBe(3);
      expect(erased.data.counts.removedDelivered).toBeGreaterThan(0);

      // Before delivery the only copies left are the two deletion requests themselves.
      const waiting = await findInTables(db, her.traces, other.traces);
      expect(
        waiting.filter(
          (hit) => !hit.startsWith('klaviyo_outbox.payload') && !hit.startsWith('klaviyo_outbox.order_key'),
        ),
      ).toEqual([]);
      const kinds = await db.query<{ kind: string }>(
        sql`SELECT kind FROM klaviyo_outbox WHERE payload LIKE ${`%"${her.email}"%`} OR payload LIKE ${`%"${her.e164}"%`}`,
      );
      expect(kinds.map((k) => k.kind)).toEqual(['profile-deletion', 'profile-deletion']);
      // The other shopper's rows are all still there.
      expect(await othersRows()).toEqual(othersBefore);

      await drainAll();

      // Klaviyo: one deletion job per identifier, and her profile gone.
      const inspected = await emu.inspect();
      const requests = (inspected.log as { operation: string; payload: Record<string, unknown> }[]).filter(
        (l) => l.operation === 'request_profile_deletion',
      );
      expect(requests.map((r) => r.payload.email ?? r.payload.phone_number).sort()).toEqual(
        [her.e164, her.email].sort(),
      );
      expect(
        (inspected.jobs as { type: string }[]).filter((j) => j.type === 'data-privacy-deletion-job').length,
      ).toBeGreaterThanOrEqual(2);
      expect(await profileAtKlaviyo(her.email)).toBe(0);
      expect(await profileAtKlaviyo(other.email)).toBe(1);

      // The database: no column of any table holds her email or phone. Every table is read,
      // including the ones added since this test was written.
      expect((await tableNames(db)).length).toBeGreaterThan(20);
      expect(await findInTables(db, her.traces, other.traces)).toEqual([]);
      expect(await findInTables(db, [other.email])).not.toEqual([]);

      // Her orders stay for the books, without her.
      const orders = await db.query<Record<string, unknown>>(
        sql`SELECT email, phone, first_name, total_cents, erased_at FROM store_orders WHERE id IN (${firstOrder}, ${secondOrder})`,
      );
      expect(orders).toHaveLength(2);
      for (const o of orders) {
        expect(o).toMatchObject({ email: '', phone: null, first_name: '' });
        expect(Number(o.total_cents)).toBeGreaterThan(0);
        expect(o.erased_at).not.toBeNull();
      }
      const [lines] = await db.query<{ n: number }>(
        sql`SELECT COUNT(*) AS n FROM store_order_lines WHERE order_id IN (${firstOrder}, ${secondOrder})`,
      );
      expect(Number(lines?.n)).toBe(2);

      // The audit records: who asked, when, counts; the same id in the store's and the plugin's.
      const [audit] = await db.query<Record<string, unknown>>(
        sql`SELECT * FROM store_erasures WHERE id = ${erased.data.erasureId}`,
      );
      expect(audit).toMatchObject({ requested_by: 'merchant' });
      const [pluginAudit] = await db.query<Record<string, unknown>>(
        sql`SELECT * FROM klaviyo_erasures WHERE id = ${erased.data.erasureId}`,
      );
      expect(pluginAudit).toMatchObject({ requested_by: 'merchant' });
      expect(Number(pluginAudit?.deletion_requests)).toBe(2);

      if (path) {
        // The file's bytes. The erasure ran with secure_delete (deleted and rewritten rows are
        // overwritten with zeros) and checkpointed; the deletion requests were redacted with
        // secure_delete when delivered, but those pages reach the main file only at the next
        // checkpoint (SQLite runs one every 1000 WAL pages): this one stands in for it, so the file
        // is read as it will be, and the -wal file is read as well.
        await db.query(sql`PRAGMA wal_checkpoint(TRUNCATE)`);
        expect(findInSqliteFiles(path, her.traces, other.traces)).toEqual([]);
        expect(findInSqliteFiles(path, [other.email])).not.toEqual([]);
      }
    });

    it('a second erasure of her, at the same time as the first, does nothing twice', async () => {
      const her = shopper('twice');
      await checkout(her);
      const id = await customerId(her.email);
      const [a, b] = await Promise.all([
        eraseCustomer(deps, id, 'merchant'),
        eraseCustomer(deps, id, 'shopper'),
      ]);
      if (!a.ok || !b.ok) throw new Error('an erasure failed');
      expect([a.data.alreadyErased, b.data.alreadyErased].sort()).toEqual([false, true]);
      const [audits] = await db.query<{ n: number }>(
        sql`SELECT COUNT(*) AS n FROM store_erasures WHERE customer_id = ${id}`,
      );
      expect(Number(audits?.n)).toBe(1);
      const deletions = await db.query<{ id: number }>(
        sql`SELECT id FROM klaviyo_outbox WHERE kind = 'profile-deletion' AND (payload LIKE ${`%"${her.email}"%`} OR payload LIKE ${`%"${her.e164}"%`})`,
      );
      expect(deletions).toHaveLength(2);
      await drainAll();
      expect(await findInTables(db, her.traces)).toEqual([]);
    });

    it('an erasure and her checkout at the same time: either the order is erased with her, or it is a new purchase after', async () => {
      const her = shopper('racing');
      await checkout(her);
      const id = await customerId(her.email);
      const cartId = await cartWith(deps, [['linen-napkins-indigo', 1]]);
      const [erased, placed] = await Promise.all([
        eraseCustomer(deps, id, 'shopper'),
        placeOrder(deps, checkoutForm(cartId, { email: her.email, phone: her.typedPhone })),
      ]);
      expect(erased.ok && placed.ok).toBe(true);
      if (!erased.ok || !placed.ok) return;
      const [order] = await db.query<{ customer_id: string; email: string; erased_at: number | null }>(
        sql`SELECT customer_id, email, erased_at FROM store_orders WHERE id = ${placed.data.orderId}`,
      );
      const [again] = await db.query<{ id: string }>(
        sql`SELECT id FROM store_customers WHERE email = ${her.email}`,
      );
      if (order?.customer_id === id) {
        // The checkout committed first: its order was erased with the rest, its messages dropped.
        expect(order).toMatchObject({ email: '' });
        expect(order.erased_at).not.toBeNull();
        expect(again).toBeUndefined();
        await drainAll();
        expect(await findInTables(db, her.traces)).toEqual([]);
      } else {
        // The checkout came second: a new customer and a new order, sent after the deletion (same
        // order key), which left her first record erased.
        expect(again?.id).toBe(order?.customer_id);
        expect(order).toMatchObject({ email: her.email, erased_at: null });
        const chain = await db.query<{ kind: string }>(
          sql`SELECT kind FROM klaviyo_outbox WHERE order_key = ${`person:${her.email}`} ORDER BY id`,
        );
        expect(chain[0]?.kind).toBe('profile-deletion');
      }
      const [tomb] = await db.query<Record<string, unknown>>(
        sql`SELECT email, phone, erased_at FROM store_customers WHERE id = ${id}`,
      );
      expect(tomb).toMatchObject({ email: `erased:${id}`, phone: null });
    });
  });
}

erasureSuite(
  'SQLite',
  async () => {
    const path = await migratedSqliteFile('erasure-');
    return { db: openSqlite(path), path };
  },
  (db) => db.close(),
);
describeWithPostgres('Postgres', () => {
  erasureSuite(
    'Postgres',
    async () => ({ db: await freshPostgres() }),
    (db) => dropPostgres(db as SqlDatabase & { schema: string }),
  );
});
