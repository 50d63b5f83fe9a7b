import sql from 'sql-template-tag';
import { expect, it } from 'vitest';
import { eraseFromOutbox } from '../../lib/klaviyo-next/erasure/index.js';
import { OutboxStore } from '../../lib/klaviyo-next/outbox/store.js';
import {
  backInStockMessage,
  type OutboxMessage,
  profileMessage,
} from '../../lib/klaviyo-next/outbox/types.js';
import type { SqlDatabase } from '../../lib/klaviyo-next/sql/types.js';
import { onBothDatabases } from '../support/store-fixtures.js';

/**
 * The plugin's use case alone (lib/klaviyo-next/erasure): what it drops and what it leaves, and the
 * order it keeps: a deletion never goes before a write of hers already on its way, and a write of
 * hers accepted after the erasure never goes before the deletion.
 */
let n = 0;
const person = () => {
  n++;
  return { email: `ada${n}@example.com`, phone: `+1415555${String(1000 + n)}` };
};
const T0 = Date.parse('2026-09-01T00:00:00Z');

onBothDatabases('eraseFromOutbox', (db: () => SqlDatabase) => {
  const store = () => new OutboxStore(db());
  const enqueue = (messages: OutboxMessage[], at: number) =>
    db().transaction((tx) => store().enqueue(tx, messages, at));
  const erase = (who: { email: string; phone: string }, at: number) =>
    db().transaction((tx) =>
      eraseFromOutbox(
        store(),
        tx,
        { emails: [who.email], phones: [who.phone] },
        { requestedBy: 'merchant', now: at },
      ),
    );
  const rowsFor = (orderKey: string) =>
    db().query<{ kind: string; available_at: number; state: string }>(
      sql`SELECT kind, available_at, state FROM klaviyo_outbox WHERE order_key = ${orderKey} ORDER BY id`,
    );

  it('holds the deletion until a write of hers in flight has settled, and writes no fence for it afterwards', async () => {
    const her = person();
    const t = T0 + n * 3_600_000;
    await enqueue([profileMessage(`p-${her.email}`, { profile: { email: her.email } })], t);
    // A worker holds it for a minute and is sending it.
    const claimed = await store().claim('worker-a', 100, 60_000, t + 1);
    const mine = claimed.filter((r) => r.kind === 'profile' && r.payload.profile.email === her.email);
    expect(mine).toHaveLength(1);
    // An earlier job of hers still settling at Klaviyo fences her until t + 90 s.
    await db().query(
      sql`INSERT INTO klaviyo_outbox_fences (order_key, until_ms) VALUES (${`person:${her.phone}`}, ${t + 90_000})`,
    );

    const result = await erase(her, t + 2);
    expect(result).toMatchObject({
      droppedWaiting: 1,
      removedFences: 1,
      deletionRequests: 2,
      dueAt: t + 90_000,
    });
    const deletions = [...(await rowsFor(`person:${her.email}`)), ...(await rowsFor(`person:${her.phone}`))];
    expect(deletions.map((d) => [d.kind, Number(d.available_at)])).toEqual([
      ['profile-deletion', t + 90_000],
      ['profile-deletion', t + 90_000],
    ]);
    // Nothing is due before then.
    const early = await store().claim('worker-b', 100, 60_000, t + 61_000);
    expect(early.filter((r) => r.kind === 'profile-deletion')).toEqual([]);

    // The worker that was sending her write finishes: its row is gone, so no fence names her again.
    await store().markDelivered('worker-a', [mine[0]?.id ?? 0], t + 3, [
      { orderKey: `person:${her.email}`, untilMs: t + 30_000 },
    ]);
    const fences = await db().query(
      sql`SELECT order_key FROM klaviyo_outbox_fences WHERE order_key IN (${`person:${her.email}`}, ${`person:${her.phone}`})`,
    );
    expect(fences).toEqual([]);
  });

  it('a write of hers accepted after the erasure waits for the deletion to be sent', async () => {
    const her = person();
    const t = T0 + n * 3_600_000;
    await erase(her, t);
    await enqueue([profileMessage(`after-${her.email}`, { profile: { email: her.email } })], t + 1);
    const first = await store().claim('w', 100, 60_000, t + 2);
    const hers = first.filter((r) => JSON.stringify(r.payload).includes(her.email));
    expect(hers.map((r) => r.kind)).toEqual(['profile-deletion']);
    await store().markDelivered(
      'w',
      hers.map((r) => r.id),
      t + 3,
    );
    // Delivered, the deletion keeps no copy of her email; her new write is next.
    const [redacted] = await db().query<{ payload: string; order_key: string | null }>(
      sql`SELECT payload, order_key FROM klaviyo_outbox WHERE id = ${hers[0]?.id ?? 0}`,
    );
    expect(redacted?.payload).not.toContain(her.email);
    expect(redacted?.order_key).toBeNull();
    const next = await store().claim('w2', 100, 60_000, t + 4);
    expect(next.filter((r) => JSON.stringify(r.payload).includes(her.email)).map((r) => r.kind)).toEqual([
      'profile',
    ]);
  });

  it("leaves other people's messages alone, even where their email or phone contains hers, and frees her keys", async () => {
    const her = person();
    const t = T0 + n * 3_600_000;
    const lookalikes = [
      profileMessage(`x${her.email}`, { profile: { email: `x${her.email}` } }),
      profileMessage(`${her.email}.au`, { profile: { email: `${her.email}.au` } }),
      profileMessage(`${her.phone}9`, { profile: { phone_number: `${her.phone}9` } }),
    ];
    const bis = backInStockMessage({ profile: { email: her.email }, variantId: 'v-1', channels: ['EMAIL'] });
    await enqueue([...lookalikes, bis], t);
    const result = await erase(her, t + 1);
    expect(result.droppedWaiting).toBe(1);
    const keys = await db().query<{ dedup_key: string }>(
      sql`SELECT dedup_key FROM klaviyo_outbox WHERE dedup_key IN (${lookalikes[0]?.key ?? ''}, ${lookalikes[1]?.key ?? ''}, ${lookalikes[2]?.key ?? ''})`,
    );
    expect(keys).toHaveLength(3);
    // Her back-in-stock request's key is free again: asking again after the erasure is not a repeat.
    expect(await enqueue([bis], t + 2)).toBe(1);
    const [audit] = await db().query<Record<string, unknown>>(
      sql`SELECT * FROM klaviyo_erasures WHERE id = ${result.erasureId}`,
    );
    expect(JSON.stringify(audit)).not.toContain(her.email);
    expect(Number(audit?.dropped_waiting)).toBe(1);
  });
});
