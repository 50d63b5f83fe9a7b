import { createServer, type Server, type Socket } from 'node:net';
import pg from 'pg';
import sql from 'sql-template-tag';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { openPostgres, timeoutsFromUrl } from '../../lib/klaviyo-next/sql/postgres.js';
import type { SqlDatabase } from '../../lib/klaviyo-next/sql/types.js';
import { describeWithPostgres, TEST_DATABASE_URL } from '../support/requirements.js';

/**
 * Postgres goes away and comes back (a restart, a failover, an operator ending sessions, a network
 * drop): the app's process must survive it, fail only the work that was in flight, and carry on with
 * fresh connections. Connections are ended for real, with pg_terminate_backend from another session.
 */

/** Resolves once `count` connection errors have been reported. */
function errorCounter() {
  const errors: Error[] = [];
  const waiters: { count: number; resolve: () => void }[] = [];
  return {
    errors,
    report(error: Error) {
      errors.push(error);
      for (const w of waiters) if (errors.length >= w.count) w.resolve();
    },
    reached(count: number) {
      return new Promise<void>((resolve) => {
        if (errors.length >= count) resolve();
        else waiters.push({ count, resolve });
      });
    },
  };
}

const withParams = (params: Record<string, string>) => {
  const url = new URL(TEST_DATABASE_URL);
  for (const [k, v] of Object.entries(params)) url.searchParams.set(k, v);
  return url.toString();
};

describeWithPostgres('Postgres connection failures', () => {
  let admin: pg.Client;
  const opened: SqlDatabase[] = [];
  const open = (...args: Parameters<typeof openPostgres>) => {
    const db = openPostgres(...args);
    opened.push(db);
    return db;
  };
  const terminate = (pids: number[]) =>
    admin.query('SELECT pg_terminate_backend(pid) FROM unnest($1::int[]) AS pid', [pids]);
  const gone = async (pid: number) => {
    // Polls until the server has removed the session; the tests assert what follows, not how long it took.
    while ((await admin.query('SELECT 1 FROM pg_stat_activity WHERE pid = $1', [pid])).rowCount)
      await new Promise((r) => setTimeout(r, 20));
  };

  beforeAll(async () => {
    admin = new pg.Client({ connectionString: TEST_DATABASE_URL });
    await admin.connect();
  });
  afterAll(async () => {
    await Promise.all(opened.map((db) => db.close().catch(() => undefined)));
    await admin.end();
  });

  it('Postgres ending the pool’s idle connections does not end the process; the next query works', async () => {
    const counter = errorCounter();
    const db = open(TEST_DATABASE_URL, { max: 3, onConnectionError: counter.report });
    // Three transactions open at once hold three distinct connections, idle in the pool afterwards.
    let release!: () => void;
    const held = new Promise<void>((r) => {
      release = r;
    });
    const pids: number[] = [];
    const transactions = [1, 2, 3].map(() =>
      db.transaction(async (tx) => {
        const [row] = await tx.query<{ pid: number }>(sql`SELECT pg_backend_pid() AS pid`);
        pids.push(row?.pid as number);
        if (pids.length === 3) release();
        await held;
      }),
    );
    await Promise.all(transactions);
    expect(new Set(pids).size).toBe(3);

    await terminate(pids);
    await counter.reached(3);
    expect(counter.errors.every((e) => /terminat/i.test(e.message))).toBe(true);
    expect(await db.query(sql`SELECT 1 AS one`)).toEqual([{ one: 1 }]);
    expect(await db.transaction((tx) => tx.query(sql`SELECT 2 AS two`))).toEqual([{ two: 2 }]);
  });

  it('a connection Postgres ends in the middle of a transaction fails that transaction only', async () => {
    const counter = errorCounter();
    const db = open(TEST_DATABASE_URL, { max: 2, onConnectionError: counter.report });
    await expect(
      db.transaction(async (tx) => {
        const [row] = await tx.query<{ pid: number }>(sql`SELECT pg_backend_pid() AS pid`);
        await terminate([row?.pid as number]);
        await gone(row?.pid as number);
        await tx.query(sql`SELECT 1`);
      }),
    ).rejects.toThrow();
    // Reported, not thrown from an event with no listener (which would have ended the process).
    await counter.reached(1);
    expect(await db.transaction((tx) => tx.query(sql`SELECT 1 AS one`))).toEqual([{ one: 1 }]);
    expect(await db.query(sql`SELECT 1 AS one`)).toEqual([{ one: 1 }]);
  });

  it('Postgres ends a transaction left idle past the idle-in-transaction timeout, and the app carries on', async () => {
    const counter = errorCounter();
    const db = open(TEST_DATABASE_URL, {
      max: 2,
      timeouts: { idleInTransactionMs: 200 },
      onConnectionError: counter.report,
    });
    await expect(
      db.transaction(async (tx) => {
        const [row] = await tx.query<{ pid: number }>(sql`SELECT pg_backend_pid() AS pid`);
        await gone(row?.pid as number);
        await tx.query(sql`SELECT 1`);
      }),
    ).rejects.toThrow();
    await counter.reached(1);
    expect(await db.transaction((tx) => tx.query(sql`SELECT 1 AS one`))).toEqual([{ one: 1 }]);
  });

  it('a statement running past the statement timeout is cancelled with Postgres’s query_canceled', async () => {
    const db = open(TEST_DATABASE_URL, { max: 1, timeouts: { statementMs: 100 } });
    await expect(db.query(sql`SELECT pg_sleep(20)`)).rejects.toMatchObject({ code: '57014' });
    expect(await db.query(sql`SELECT 1 AS one`)).toEqual([{ one: 1 }]);
  });

  it('sessions get the default timeouts, and DATABASE_URL’s parameters override them', async () => {
    const show = async (db: SqlDatabase) => {
      const [s] = await db.query<{ statement_timeout: string }>(sql`SHOW statement_timeout`);
      const [i] = await db.query<{ idle_in_transaction_session_timeout: string }>(
        sql`SHOW idle_in_transaction_session_timeout`,
      );
      return [s?.statement_timeout, i?.idle_in_transaction_session_timeout];
    };
    expect(await show(open(TEST_DATABASE_URL, { max: 1 }))).toEqual(['30s', '1min']);
    const tuned = withParams({ statement_timeout: '5000', idle_in_transaction_session_timeout: '7000' });
    expect(await show(open(tuned, { max: 1 }))).toEqual(['5s', '7s']);
    expect(timeoutsFromUrl(withParams({ connect_timeout: '3' })).connectMs).toBe(3000);
    expect(() => timeoutsFromUrl(withParams({ statement_timeout: 'soon' }))).toThrow(
      /statement_timeout must be a whole number of milliseconds/,
    );
    expect(() => openPostgres(withParams({ connect_timeout: '1.5' }))).toThrow(/connect_timeout/);
  });

  it('a server that accepts the connection but never answers fails the query after connect_timeout', async () => {
    const sockets: Socket[] = [];
    const silent: Server = createServer((socket) => {
      sockets.push(socket);
    });
    await new Promise<void>((r) => silent.listen(0, '127.0.0.1', r));
    try {
      const port = (silent.address() as { port: number }).port;
      const db = open(`postgres://postgres@127.0.0.1:${port}/test?connect_timeout=1`, {
        max: 1,
        onConnectionError: () => undefined,
      });
      await expect(db.query(sql`SELECT 1`)).rejects.toThrow(/timeout/i);
    } finally {
      for (const s of sockets) s.destroy();
      await new Promise((r) => silent.close(r));
    }
  });
});
