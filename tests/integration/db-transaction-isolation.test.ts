import sql from 'sql-template-tag';
import { expect, it } from 'vitest';
import { OutboxStore } from '../../lib/klaviyo-next/outbox/store.js';
import type { OutboxMessage } from '../../lib/klaviyo-next/outbox/types.js';
import type { SqlDatabase } from '../../lib/klaviyo-next/sql/types.js';
import { freshSqlite } from '../support/databases.js';
import { orderEvents } from '../support/order-events.js';
import { onBothDatabases } from '../support/store-fixtures.js';

/**
 * Two requests on one database: a transaction of one request must never take in, hide or roll back
 * another request's statement. On SQLite the app shares one connection per process, so this is what
 * the transaction queue has to guarantee; on Postgres each transaction has its own pooled connection.
 */

/** A promise and the function that settles it, to hold a transaction open at a chosen point. */
function gate() {
  let open!: () => void;
  const opened = new Promise<void>((resolve) => {
    open = resolve;
  });
  return { open, opened };
}

let serial = 0;
const key = (label: string) => `${label}-${process.pid}-${++serial}`;

async function setUp(db: SqlDatabase) {
  await db.query(sql`CREATE TABLE IF NOT EXISTS isolation_probe (k TEXT PRIMARY KEY, by_whom TEXT NOT NULL)`);
}
const probe = async (db: SqlDatabase, k: string) =>
  (await db.query<{ by_whom: string }>(sql`SELECT by_whom FROM isolation_probe WHERE k = ${k}`))[0]?.by_whom;

/**
 * Request A opens a transaction, writes, and holds it open until `released`; then it fails. Returns
 * once A is inside its transaction, with A's outcome.
 */
async function failingTransaction(db: SqlDatabase, k: string) {
  const entered = gate();
  const release = gate();
  const outcome = db.transaction(async (tx) => {
    await tx.query(sql`INSERT INTO isolation_probe (k, by_whom) VALUES (${`${k}-a`}, ${'A'})`);
    entered.open();
    await release.opened;
    throw new Error('A: the item is sold out');
  });
  outcome.catch(() => undefined);
  await entered.opened;
  return { release: release.open, outcome };
}

onBothDatabases('one request’s transaction and another request’s statements', (db) => {
  it('a plain write issued while another request’s transaction is open survives that transaction’s rollback', async () => {
    await setUp(db());
    const k = key('survive');
    const a = await failingTransaction(db(), k);
    const b = db().query(sql`INSERT INTO isolation_probe (k, by_whom) VALUES (${k}, ${'B'})`);
    a.release();
    await expect(a.outcome).rejects.toThrow('sold out');
    await b;
    expect(await probe(db(), k)).toBe('B');
    expect(await probe(db(), `${k}-a`)).toBeUndefined();
  });

  it('a plain read never sees another request’s uncommitted write', async () => {
    await setUp(db());
    const k = key('dirty');
    const a = await failingTransaction(db(), k);
    const read = db().query(sql`SELECT by_whom FROM isolation_probe WHERE k = ${`${k}-a`}`);
    a.release();
    await expect(a.outcome).rejects.toThrow();
    expect(await read).toEqual([]);
  });

  it('the dispatcher marking a message delivered during a shopper’s failed checkout keeps the mark', async () => {
    const store = new OutboxStore(db());
    const orderId = key('NW');
    const message = orderEvents(orderId, 'a@example.com')[0] as OutboxMessage;
    await db().transaction((tx) => store.enqueue(tx, [message], 1_000));
    const claimed = (await store.claim('worker', 100, 60_000, 2_000)).filter((r) => r.key === message.key);
    expect(claimed).toHaveLength(1);

    await setUp(db());
    const shopper = await failingTransaction(db(), key('cart'));
    const marked = store.markDelivered(
      'worker',
      claimed.map((r) => r.id),
      3_000,
    );
    shopper.release();
    await expect(shopper.outcome).rejects.toThrow('sold out');
    await marked;
    const [row] = await db().query<{ state: string }>(
      sql`SELECT state FROM klaviyo_outbox WHERE id = ${claimed[0]?.id}`,
    );
    expect(row?.state).toBe('delivered');
  });

  it('transactions of two requests do not mix their writes', async () => {
    await setUp(db());
    const k = key('two');
    const a = await failingTransaction(db(), k);
    const b = db().transaction(async (tx) => {
      await tx.query(sql`INSERT INTO isolation_probe (k, by_whom) VALUES (${k}, ${'B'})`);
    });
    a.release();
    await expect(a.outcome).rejects.toThrow();
    await b;
    expect(await probe(db(), k)).toBe('B');
  });

  it('the database object used inside a transaction callback fails with a clear error instead of deadlocking', async () => {
    await setUp(db());
    const k = key('misuse');
    await expect(
      db().transaction(async (tx) => {
        await tx.query(sql`INSERT INTO isolation_probe (k, by_whom) VALUES (${k}, ${'tx'})`);
        await db().query(sql`INSERT INTO isolation_probe (k, by_whom) VALUES (${`${k}-db`}, ${'db'})`);
      }),
    ).rejects.toThrow(/db\.query\(\) was called inside a db\.transaction\(\) callback/);
    await expect(db().transaction(async () => db().transaction(async () => 1))).rejects.toThrow(
      /transactions do not nest/,
    );
    // Neither the misuse nor its rollback left the database stuck or half-written.
    expect(await probe(db(), k)).toBeUndefined();
    expect(await probe(db(), `${k}-db`)).toBeUndefined();
    expect(await db().query(sql`SELECT 1 AS one`)).toEqual([{ one: 1 }]);
  });

  it('a transaction handle kept past its transaction refuses to run in a later one', async () => {
    await setUp(db());
    const k = key('leak');
    let leaked: Parameters<Parameters<SqlDatabase['transaction']>[0]>[0] | undefined;
    await db().transaction(async (tx) => {
      leaked = tx;
    });
    const a = await failingTransaction(db(), k);
    const late = leaked?.query(sql`INSERT INTO isolation_probe (k, by_whom) VALUES (${k}, ${'late'})`);
    late?.catch(() => undefined);
    a.release();
    await expect(a.outcome).rejects.toThrow();
    await expect(late).rejects.toThrow(/after its transaction had ended/);
  });

  it('work a transaction callback starts without awaiting, and that runs after it commits, uses the database normally', async () => {
    await setUp(db());
    const k = key('after');
    let later: Promise<unknown> | undefined;
    const done = gate();
    await db().transaction(async (tx) => {
      await tx.query(sql`INSERT INTO isolation_probe (k, by_whom) VALUES (${k}, ${'tx'})`);
      later = done.opened.then(() =>
        db().query(sql`INSERT INTO isolation_probe (k, by_whom) VALUES (${`${k}-later`}, ${'later'})`),
      );
    });
    done.open();
    await later;
    expect(await probe(db(), `${k}-later`)).toBe('later');
  });
});

it('SQLite syncs every commit to disk (synchronous=FULL): an accepted order must survive a power cut', async () => {
  const db = await freshSqlite();
  try {
    // 2 = FULL (0 OFF, 1 NORMAL, 3 EXTRA).
    expect(await db.query(sql`PRAGMA synchronous`)).toEqual([{ synchronous: 2 }]);
  } finally {
    await db.close();
  }
});
