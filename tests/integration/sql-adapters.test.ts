import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join as joinPath } from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import { drizzle } from 'drizzle-orm/node-postgres';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { drizzleDatabase, drizzleExecutor } from '../../lib/klaviyo-next/sql/drizzle.js';
import { empty, join, raw, sql, TransactionMisuseError } from '../../lib/klaviyo-next/sql/index.js';
import { postgresDatabase, postgresExecutor } from '../../lib/klaviyo-next/sql/postgres.js';
import { openSqlite, sqliteDatabase, sqliteExecutor } from '../../lib/klaviyo-next/sql/sqlite.js';
import type { SqlDatabase, SqlExecutor } from '../../lib/klaviyo-next/sql/types.js';
import { describeWithPostgres, TEST_DATABASE_URL } from '../support/requirements.js';

/**
 * One contract for every SQL adapter the plugin ships: node-postgres (a Pool, and a host's own
 * PoolClient in its transaction), better-sqlite3 and Drizzle on node-postgres. Each runs the plugin's
 * `sql` templates with its driver's placeholders, joins a transaction the host opened itself, and
 * reads BIGINT epoch milliseconds as numbers.
 */

interface Subject {
  /** The adapter under test: a database, or (for a host's own connection) only an executor. */
  db: SqlExecutor;
  /** Present when the adapter opens transactions of its own. */
  database?: SqlDatabase;
  /** Runs `work` in a transaction the HOST opens on its own connection, then commits or rolls back. */
  hostTransaction(work: (tx: SqlExecutor) => Promise<void>, outcome: 'commit' | 'rollback'): Promise<void>;
  close(): Promise<void>;
}

const TABLE = sql`CREATE TABLE contract_probe (k TEXT PRIMARY KEY, v TEXT, at BIGINT)`;
let counter = 0;
const key = (label: string) => `${label}-${process.pid}-${++counter}`;
const storedValue = async (db: SqlExecutor, k: string) =>
  (await db.query<{ v: string }>(sql`SELECT v FROM contract_probe WHERE k = ${k}`))[0]?.v;
const tick = () => new Promise((resolve) => setTimeout(resolve, 10));

class HostRollback extends Error {}

function contract(name: string, open: () => Promise<Subject>) {
  describe(name, () => {
    let subject: Subject;
    beforeAll(async () => {
      subject = await open();
    });
    afterAll(async () => {
      await subject?.close();
    });

    it('binds values apart from the SQL text: a literal ? and $1 inside a string stay text', async () => {
      const [row] = await subject.db.query<{ q: string; d: string; v: string; n: number }>(
        sql`SELECT '?' AS q, '$1' AS d, ${'a value'} AS v, CAST(${42} AS INTEGER) AS n`,
      );
      expect(row).toEqual({ q: '?', d: '$1', v: 'a value', n: 42 });
      const k = key('literal');
      const tricky = "it's ? and $1 and '); DROP TABLE contract_probe; --";
      await subject.db.query(sql`INSERT INTO contract_probe (k, v) VALUES (${k}, ${tricky})`);
      expect(await storedValue(subject.db, k)).toBe(tricky);
    });

    it('renders join, raw and empty fragments', async () => {
      const [a, b, c] = [key('in'), key('in'), key('in')];
      for (const k of [a, b, c])
        await subject.db.query(sql`INSERT INTO contract_probe (k, v) VALUES (${k}, ${k})`);
      const order = raw('ORDER BY k');
      const rows = await subject.db.query<{ k: string }>(
        sql`SELECT k FROM contract_probe WHERE k IN (${join([a, c])}) ${empty}${order}`,
      );
      expect(rows.map((r) => r.k)).toEqual([a, c].sort());
    });

    it('reads BIGINT epoch milliseconds and counts as numbers', async () => {
      const k = key('bigint');
      const at = 1_764_921_600_123; // 2025-12-05 in epoch ms: beyond 32 bits
      await subject.db.query(sql`INSERT INTO contract_probe (k, v, at) VALUES (${k}, 'x', ${at})`);
      const [row] = await subject.db.query<{ at: unknown; n: unknown }>(
        sql`SELECT at, (SELECT COUNT(*) FROM contract_probe WHERE k = ${k}) AS n FROM contract_probe WHERE k = ${k}`,
      );
      expect(row).toEqual({ at, n: 1 });
    });

    it("joins the host's own transaction: committed with it, gone with its rollback", async () => {
      const kept = key('host-commit');
      const dropped = key('host-rollback');
      await subject.hostTransaction(async (tx) => {
        await tx.query(sql`INSERT INTO contract_probe (k, v) VALUES (${kept}, 'kept')`);
        expect(await storedValue(tx, kept)).toBe('kept');
      }, 'commit');
      expect(await storedValue(subject.db, kept)).toBe('kept');
      await subject.hostTransaction(async (tx) => {
        await tx.query(sql`INSERT INTO contract_probe (k, v) VALUES (${dropped}, 'dropped')`);
        expect(await storedValue(tx, dropped)).toBe('dropped');
      }, 'rollback');
      expect(await storedValue(subject.db, dropped)).toBeUndefined();
    });

    it('commits a transaction that resolves and rolls back one that throws', async (context) => {
      const database = subject.database;
      if (!database) return context.skip('the host owns the transactions of its own connection');
      const kept = key('commit');
      const dropped = key('rollback');
      expect(
        await database.transaction(async (tx) => {
          await tx.query(sql`INSERT INTO contract_probe (k, v) VALUES (${kept}, 'kept')`);
          return 'done';
        }),
      ).toBe('done');
      const failure = new Error('the order failed');
      await expect(
        database.transaction(async (tx) => {
          await tx.query(sql`INSERT INTO contract_probe (k, v) VALUES (${dropped}, 'dropped')`);
          throw failure;
        }),
      ).rejects.toBe(failure);
      expect(await storedValue(database, kept)).toBe('kept');
      expect(await storedValue(database, dropped)).toBeUndefined();
    });

    it('keeps two interleaving transactions apart, and commits both', async (context) => {
      const database = subject.database;
      if (!database) return context.skip('the host owns the transactions of its own connection');
      const [a, b] = [key('a'), key('b')];
      const seen: Record<string, (string | undefined)[]> = {};
      const run = (mine: string, theirs: string) =>
        database.transaction(async (tx) => {
          await tx.query(sql`INSERT INTO contract_probe (k, v) VALUES (${mine}, ${mine})`);
          await tick();
          // The other transaction's uncommitted row is never visible here.
          seen[mine] = [await storedValue(tx, mine), await storedValue(tx, theirs)];
          await tick();
        });
      await Promise.all([run(a, b), run(b, a)]);
      expect(seen[a]?.[0]).toBe(a);
      expect(seen[b]?.[0]).toBe(b);
      // Whichever committed first may be seen by the later one (SQLite runs them one after the other),
      // but never both ways round, which would mean one saw the other's uncommitted write.
      expect(seen[a]?.[1] === b && seen[b]?.[1] === a).toBe(false);
      expect([await storedValue(database, a), await storedValue(database, b)]).toEqual([a, b]);
    });

    it('refuses the database inside its own transaction, and a tx kept past its end', async (context) => {
      const database = subject.database;
      if (!database) return context.skip('the host owns the transactions of its own connection');
      const k = key('misuse');
      await expect(
        database.transaction(async (tx) => {
          await tx.query(sql`INSERT INTO contract_probe (k, v) VALUES (${k}, 'tx')`);
          await database.query(sql`SELECT 1 AS one`);
        }),
      ).rejects.toBeInstanceOf(TransactionMisuseError);
      await expect(database.transaction(() => database.transaction(async () => 1))).rejects.toBeInstanceOf(
        TransactionMisuseError,
      );
      let leaked: SqlExecutor | undefined;
      await database.transaction(async (tx) => {
        leaked = tx;
      });
      await expect(leaked?.query(sql`SELECT 1 AS one`)).rejects.toBeInstanceOf(TransactionMisuseError);
      expect(await storedValue(database, k)).toBeUndefined();
    });
  });
}

/** A schema of its own in the test database, and a pool whose connections use it. */
async function postgresSchema(): Promise<{ pool: pg.Pool; drop: () => Promise<void> }> {
  const schema = `t_sql_${process.pid}_${Math.random().toString(36).slice(2, 10)}`;
  const admin = new pg.Client({ connectionString: TEST_DATABASE_URL });
  await admin.connect();
  await admin.query(`CREATE SCHEMA ${schema}`);
  await admin.end();
  const pool = new pg.Pool({
    connectionString: TEST_DATABASE_URL,
    max: 4,
    options: `-c search_path=${schema}`,
  });
  await pool.query(TABLE.text);
  return {
    pool,
    drop: async () => {
      await pool.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
      await pool.end();
    },
  };
}

/** The host's own transaction on a pooled connection, with the plugin's statements through `postgresExecutor`. */
function pgHostTransaction(pool: pg.Pool): Subject['hostTransaction'] {
  return async (work, outcome) => {
    const client = await pool.connect();
    try {
      await client.query('BEGIN');
      await work(postgresExecutor(client));
      await client.query(outcome === 'commit' ? 'COMMIT' : 'ROLLBACK');
    } finally {
      client.release();
    }
  };
}

describeWithPostgres('SQL adapters on Postgres', () => {
  contract('node-postgres Pool (postgresDatabase)', async () => {
    const { pool, drop } = await postgresSchema();
    const database = postgresDatabase(pool);
    return { db: database, database, hostTransaction: pgHostTransaction(pool), close: drop };
  });

  contract("node-postgres host's PoolClient (postgresExecutor)", async () => {
    const { pool, drop } = await postgresSchema();
    const client = await pool.connect();
    return {
      db: postgresExecutor(client),
      hostTransaction: pgHostTransaction(pool),
      close: async () => {
        client.release();
        await drop();
      },
    };
  });

  contract('Drizzle on node-postgres (drizzleDatabase, drizzleExecutor)', async () => {
    const { pool, drop } = await postgresSchema();
    const orm = drizzle(pool);
    const database = drizzleDatabase(orm);
    return {
      db: database,
      database,
      hostTransaction: async (work, outcome) => {
        await orm
          .transaction(async (tx) => {
            await work(drizzleExecutor(tx));
            if (outcome === 'rollback') throw new HostRollback();
          })
          .catch((error: unknown) => {
            if (!(error instanceof HostRollback)) throw error;
          });
      },
      close: drop,
    };
  });
});

describe('SQL adapters on SQLite', () => {
  contract('better-sqlite3 (openSqlite, sqliteDatabase, sqliteExecutor)', async () => {
    const dir = mkdtempSync(joinPath(tmpdir(), 'sql-adapters-'));
    const database = openSqlite(joinPath(dir, 'plugin.db'));
    await database.query(TABLE);
    // The host's own connection to the same file, with its own transaction around awaited work.
    const host = new BetterSqlite3(joinPath(dir, 'plugin.db'));
    host.pragma('busy_timeout = 5000');
    const hostDatabase = sqliteDatabase(host);
    return {
      db: database,
      database,
      hostTransaction: async (work, outcome) => {
        host.prepare('BEGIN IMMEDIATE').run();
        try {
          await work(sqliteExecutor(host));
        } finally {
          host.prepare(outcome === 'commit' ? 'COMMIT' : 'ROLLBACK').run();
        }
      },
      close: async () => {
        await hostDatabase.close();
        await database.close();
      },
    };
  });

  it('opens nothing until the first statement (Next.js imports route modules at build time)', async () => {
    const path = joinPath(mkdtempSync(joinPath(tmpdir(), 'sql-lazy-')), 'nested', 'never.db');
    const database = openSqlite(path);
    const { existsSync } = await import('node:fs');
    expect(existsSync(path)).toBe(false);
    await database.close();
    expect(existsSync(path)).toBe(false);
  });
});
