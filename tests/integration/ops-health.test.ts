import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { raw } from 'sql-template-tag';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openAppDatabase } from '../../lib/app/database.js';
import { lazyDatabase } from '../../lib/app/lazy-database.js';
import { migrateAppDatabase } from '../../lib/app/migrations.js';
import { createKlaviyoNext, type KlaviyoNext } from '../../lib/klaviyo-next/index.js';
import { PLUGIN_MIGRATIONS, PLUGIN_MIGRATIONS_TABLE } from '../../lib/klaviyo-next/migrations.js';
import { bookkeepingTableSql } from '../../lib/klaviyo-next/sql/migrate.js';
import { openPostgres, postgresDatabase } from '../../lib/klaviyo-next/sql/postgres.js';
import { openSqlite } from '../../lib/klaviyo-next/sql/sqlite.js';
import type { SqlDatabase } from '../../lib/klaviyo-next/sql/types.js';
import { freshSqlite } from '../support/databases.js';
import { orderMessage } from '../support/ops-fixtures.js';
import { describeWithPostgres, TEST_DATABASE_URL } from '../support/requirements.js';

/**
 * The app's probes (`klaviyo.routes.health` and `.ready`, mounted at /api/klaviyo/health and /ready):
 * liveness answers without touching anything; readiness names what is wrong (database, migrations)
 * and nothing secret, whoever asks.
 */
const LATEST = Math.max(...PLUGIN_MIGRATIONS.map((m) => m.version));
const get = (headers: Record<string, string> = {}) =>
  new Request('https://shop.test/api/klaviyo/ready', { headers });
const answer = async (response: Response) => ({
  status: response.status,
  cache: response.headers.get('cache-control'),
  body: (await response.json()) as { status: string; checks?: Record<string, string> },
});

describe('health and readiness on a migrated database', () => {
  let db: SqlDatabase;
  let klaviyo: KlaviyoNext;
  beforeAll(async () => {
    db = await freshSqlite();
    klaviyo = createKlaviyoNext({ env: {}, sql: db });
  });
  afterAll(async () => {
    klaviyo.ops.close();
    await db.close();
  });

  it('liveness answers 200 ok, never cached', async () => {
    expect(await answer(await klaviyo.routes.health.GET())).toEqual({
      status: 200,
      cache: 'no-store',
      body: { status: 'ok' },
    });
  });

  it('readiness answers 200 with each check ok', async () => {
    expect(await answer(await klaviyo.routes.ready.GET())).toEqual({
      status: 200,
      cache: 'no-store',
      body: { status: 'ready', checks: { database: 'ok', migrations: 'ok' } },
    });
  });

  it('a stranger with cookies, a forged X-Forwarded-For or an Authorization header learns no more: no backlog, no settings', async () => {
    await db.transaction((tx) =>
      klaviyo.enqueue(tx, [orderMessage('NW-PROBE-1'), orderMessage('NW-PROBE-2')]),
    );
    const plain = await answer(await klaviyo.routes.ready.GET());
    // Route handlers are called with the request; the probes ignore it whatever it carries.
    const ready = klaviyo.routes.ready.GET as (request: Request) => Promise<Response>;
    const dressed = await answer(
      await ready(
        get({
          cookie: 'next-auth.session-token=forged; __kla_id=x',
          'x-forwarded-for': '127.0.0.1',
          authorization: `Bearer ${'x'.repeat(40)}`,
        }),
      ),
    );
    expect(dressed).toEqual(plain);
    const text = JSON.stringify(plain.body);
    for (const secret of ['pk_', 'DEMO01', '127.0.0.1', 'NW-PROBE', 'pending', '2'])
      expect(text).not.toContain(secret);
  });

  it('a missing migration is named by version, 503', async () => {
    await db.query(raw(`DELETE FROM klaviyo_migrations WHERE version = ${LATEST}`));
    try {
      const { status, body } = await answer(await klaviyo.routes.ready.GET());
      expect(status).toBe(503);
      expect(body.status).toBe('not_ready');
      expect(body.checks?.database).toBe('ok');
      expect(body.checks?.migrations).toMatch(new RegExp(`^1 migration\\(s\\) not applied \\(${LATEST}\\)`));
      // Liveness is not readiness: the process is fine, the schema is not.
      expect((await klaviyo.routes.health.GET()).status).toBe(200);
    } finally {
      await db.query(
        raw(`INSERT INTO klaviyo_migrations (version, name, applied_at) VALUES (${LATEST}, 'restored', 0)`),
      );
    }
    expect((await klaviyo.routes.ready.GET()).status).toBe(200);
  });
});

describe('readiness while a deploy step migrates', () => {
  it('interleaving: probes during migrate() answer 503 or 200, never fail, and 200 once it is done', async () => {
    const db = openSqlite(join(mkdtempSync(join(tmpdir(), 'ops-ready-')), 'app.db'));
    const klaviyo = createKlaviyoNext({ env: {}, sql: db });
    try {
      const probing = (async () => {
        const statuses: number[] = [];
        for (let i = 0; i < 50; i++) statuses.push((await klaviyo.routes.ready.GET()).status);
        return statuses;
      })();
      const [statuses] = await Promise.all([probing, klaviyo.migrate()]);
      expect(statuses.every((s) => s === 200 || s === 503)).toBe(true);
      expect(statuses[0]).toBe(503);
      expect(await answer(await klaviyo.routes.ready.GET())).toMatchObject({
        status: 200,
        body: { status: 'ready' },
      });
    } finally {
      klaviyo.ops.close();
      await db.close();
    }
  });
});

describe('readiness of the demo app’s database, which refuses to open behind its migrations', () => {
  it('503 naming the migrations (the database answered), then 200 once the deploy step has run', async () => {
    const sqlitePath = join(mkdtempSync(join(tmpdir(), 'ops-behind-')), 'app.db');
    const db = lazyDatabase('sqlite', () => openAppDatabase({ databaseUrl: undefined, sqlitePath }));
    const klaviyo = createKlaviyoNext({ env: {}, sql: db });
    try {
      const { status, body } = await answer(await klaviyo.routes.ready.GET());
      expect(status).toBe(503);
      expect(body.checks?.database).toBe('ok');
      expect(body.checks?.migrations).toMatch(
        /^\d+ migration\(s\) not applied \(\d+(, \d+)*\); run the migrations/,
      );
      const deploy = openSqlite(sqlitePath);
      await migrateAppDatabase(deploy);
      await deploy.close();
      expect((await klaviyo.routes.ready.GET()).status).toBe(200);
    } finally {
      klaviyo.ops.close();
      await db.close();
    }
  });
});

describeWithPostgres('readiness against Postgres', () => {
  it('a database that refuses the connection: 503 naming the database, without the URL, host, user or password', async () => {
    // A real pool to a port nothing listens on, with credentials that must not leak.
    const db = openPostgres('postgres://probe_user:s3cret-pass@127.0.0.1:1/probe_db', { max: 1 });
    const logs: string[] = [];
    const klaviyo = createKlaviyoNext({
      env: {},
      sql: db,
      log: (event, fields) => logs.push(`${event} ${JSON.stringify(fields)}`),
    });
    try {
      const { status, body } = await answer(await klaviyo.routes.ready.GET());
      expect(status).toBe(503);
      expect(body).toEqual({
        status: 'not_ready',
        checks: {
          database: 'the database refused the connection or the query',
          migrations: 'not checked (no database)',
        },
      });
      for (const secret of ['s3cret', 'probe_user', 'probe_db', '127.0.0.1', ':1'])
        expect(JSON.stringify(body)).not.toContain(secret);
      // The operator finds the driver's words in the log.
      expect(logs.some((l) => l.startsWith('ops.not_ready') && l.includes('ECONNREFUSED'))).toBe(true);
      expect((await klaviyo.routes.health.GET()).status).toBe(200);
    } finally {
      klaviyo.ops.close();
      await db.close();
    }
  });

  describe('on a schema of its own', () => {
    const schema = `ops_${process.pid}_${Math.random().toString(36).slice(2, 8)}`;
    const pool = new pg.Pool({
      connectionString: TEST_DATABASE_URL,
      options: `-c search_path=${schema}`,
      application_name: schema,
      max: 6,
    });
    let klaviyo: KlaviyoNext;
    beforeAll(async () => {
      await pool.query(`CREATE SCHEMA ${schema}`);
      klaviyo = createKlaviyoNext({ env: {}, sql: postgresDatabase(pool) });
    });
    afterAll(async () => {
      klaviyo.ops.close();
      await pool.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
      await pool.end();
    });

    it('before any migration: 503 saying the migrations have not been run', async () => {
      const { status, body } = await answer(await klaviyo.routes.ready.GET());
      expect(status).toBe(503);
      expect(body.checks).toEqual({
        database: 'ok',
        migrations: "no klaviyo_migrations table: the plugin's migrations have not been run",
      });
    });

    it('the bookkeeping with every version (as a deploy step leaves it): 200', async () => {
      // What migrate() writes, without building the tables: readiness reads only the bookkeeping.
      await pool.query(bookkeepingTableSql(PLUGIN_MIGRATIONS_TABLE));
      for (const m of PLUGIN_MIGRATIONS)
        await pool.query('INSERT INTO klaviyo_migrations (version, name, applied_at) VALUES ($1, $2, 0)', [
          m.version,
          m.name,
        ]);
      expect((await klaviyo.routes.ready.GET()).status).toBe(200);
    });

    it('a migrations table held by a long lock: 503 within the probe’s timeout, and its query does not keep waiting', async () => {
      const holder = await pool.connect();
      const waitingProbes = async () => {
        const { rows } = await holder.query(
          `SELECT COUNT(*) AS n FROM pg_stat_activity WHERE application_name = $1 AND wait_event_type = 'Lock'`,
          [schema],
        );
        return Number(rows[0]?.n);
      };
      try {
        await holder.query('BEGIN');
        await holder.query('LOCK TABLE klaviyo_migrations IN ACCESS EXCLUSIVE MODE');
        const probes = await Promise.all([1, 2, 3].map(async () => answer(await klaviyo.routes.ready.GET())));
        for (const { status, body } of probes) {
          expect(status).toBe(503);
          expect(body.checks).toEqual({
            database: 'ok',
            migrations: 'the migrations table did not answer within 2000 ms',
          });
        }
        // The lock is still held: the probes' queries end by their own statement timeout, so they
        // hand their connections back to the app's pool instead of queueing behind the lock.
        while ((await waitingProbes()) > 0) await new Promise((resolve) => setTimeout(resolve, 100));
        expect(await waitingProbes()).toBe(0);
      } finally {
        await holder.query('ROLLBACK');
        holder.release();
      }
      expect((await klaviyo.routes.ready.GET()).status).toBe(200);
    });
  });
});
