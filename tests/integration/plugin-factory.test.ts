import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { OrderSnapshot } from '../../lib/klaviyo-next/events/types.js';
import { createKlaviyoNext, type KlaviyoNext, type MerchantGuard } from '../../lib/klaviyo-next/index.js';
import { postgresDatabase, postgresExecutor } from '../../lib/klaviyo-next/sql/postgres.js';
import { freshSqlite } from '../support/databases.js';
import { type TestEmulator, withEmulator } from '../support/emulator.js';
import { relayRequest } from '../support/relay-fixtures.js';
import { describeWithPostgres, TEST_DATABASE_URL } from '../support/requirements.js';

/**
 * createKlaviyoNext as a host store other than the demo uses it: its own node-postgres pool, its own
 * order table and transaction, its own guard. What the plugin promises the host: messages join the
 * host's transaction (and vanish with its rollback), a replayed checkout sends nothing twice, the
 * dashboard refuses whoever the host's guard refuses, and the drain route opens only to its secret.
 */

const order = (orderId: string, email: string): OrderSnapshot => ({
  orderId,
  currency: 'USD',
  placedAt: '2026-12-05T10:00:00.000Z',
  customer: { email },
  lines: [
    {
      lineId: 'l1',
      productId: 'p1',
      variantId: 'v1',
      sku: 'TEA-1',
      name: 'Harbor Black',
      priceCents: 1200,
      quantity: 2,
      url: 'https://host.test/p/1',
      categories: ['Tea'],
    },
    {
      lineId: 'l2',
      productId: 'p2',
      variantId: 'v2',
      sku: 'TEA-2',
      name: 'Harbor Green',
      priceCents: 900,
      quantity: 1,
      url: 'https://host.test/p/2',
      categories: ['Tea'],
    },
  ],
  discountCents: 0,
  shippingCents: 0,
  taxCents: 0,
  totalCents: 3300,
});

describeWithPostgres('createKlaviyoNext in a host store on node-postgres', () => {
  const schema = `host_${process.pid}_${Math.random().toString(36).slice(2, 8)}`;
  const pool = new pg.Pool({
    connectionString: TEST_DATABASE_URL,
    options: `-c search_path=${schema}`,
    max: 6,
  });
  let emu: TestEmulator;
  let klaviyo: KlaviyoNext;
  let guardSays: Awaited<ReturnType<MerchantGuard>> = { ok: false, status: 401, message: 'Sign in.' };
  const DRAIN_SECRET = 'host-drain-secret-0123456789abcdefghijkl';

  withEmulator({}, async (started) => {
    emu = started;
    await emu.setRateLimits(false);
  });
  beforeAll(async () => {
    await pool.query(`CREATE SCHEMA ${schema}`);
    await pool.query('CREATE TABLE host_orders (id TEXT PRIMARY KEY, email TEXT NOT NULL)');
    klaviyo = createKlaviyoNext({
      env: {
        KLAVIYO_API_URL: emu.url,
        KLAVIYO_PRIVATE_KEY: emu.account.privateKey,
        KLAVIYO_PUBLIC_KEY: emu.account.publicKey,
        OUTBOX_DRAIN_SECRET: DRAIN_SECRET,
      },
      sql: postgresDatabase(pool),
      merchantGuard: async () => guardSays,
      // The host triggers delivery itself in these tests (the drain route), never in the background.
      deliverSoon: () => undefined,
    });
    expect(await klaviyo.migrate()).toBeGreaterThan(0);
  });
  afterAll(async () => {
    // The dashboard refreshes its cache after answering (deferTask); ending the pool first waits for
    // that work, so dropping the schema cannot deadlock with it.
    await pool.end();
    const admin = new pg.Client({ connectionString: TEST_DATABASE_URL });
    await admin.connect();
    await admin.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
    await admin.end();
  });

  /** The host's checkout: its order row and the plugin's messages in one transaction of its own. */
  async function checkout(orderId: string, email: string, fail = false): Promise<number> {
    const client = await pool.connect();
    try {
      await client.query('BEGIN');
      await client.query('INSERT INTO host_orders (id, email) VALUES ($1, $2) ON CONFLICT DO NOTHING', [
        orderId,
        email,
      ]);
      const enqueued = await klaviyo.enqueue(
        postgresExecutor(client),
        klaviyo.orders.placed(order(orderId, email), { email }),
      );
      if (fail) throw new Error('payment declined');
      await client.query('COMMIT');
      return enqueued;
    } catch (error) {
      await client.query('ROLLBACK');
      throw error;
    } finally {
      client.release();
    }
  }
  const outboxKeys = async () =>
    (await pool.query<{ key: string }>('SELECT dedup_key AS key FROM klaviyo_outbox ORDER BY id')).rows.map(
      (r) => r.key,
    );

  it('keeps its tables and its bookkeeping under its own prefix, and shows the SQL', async () => {
    const tables = (
      await pool.query<{ t: string }>(
        'SELECT table_name AS t FROM information_schema.tables WHERE table_schema = $1 ORDER BY 1',
        [schema],
      )
    ).rows.map((r) => r.t);
    expect(tables.filter((t) => t !== 'host_orders').every((t) => t.startsWith('klaviyo_'))).toBe(true);
    expect(tables).toContain('klaviyo_migrations');
    expect(tables).not.toContain('schema_migrations');
    expect(klaviyo.migrationSql('postgres')).toMatch(/CREATE TABLE klaviyo_outbox/);
    expect(await klaviyo.migrate()).toBe(0);
  });

  it("commits Placed Order and one Ordered Product per line with the host's order, and nothing when it rolls back", async () => {
    await expect(checkout('H-1', 'ada@example.com', true)).rejects.toThrow('payment declined');
    expect(await outboxKeys()).toEqual([]);
    expect((await pool.query('SELECT 1 FROM host_orders')).rowCount).toBe(0);

    expect(await checkout('H-1', 'ada@example.com')).toBe(3);
    expect(await outboxKeys()).toEqual([
      'event:placed-order:H-1',
      'event:ordered-product:H-1:l1',
      'event:ordered-product:H-1:l2',
    ]);
    // A replayed form (the same order) enqueues nothing new.
    expect(await checkout('H-1', 'ada@example.com')).toBe(0);
    expect(await outboxKeys()).toHaveLength(3);
  });

  it('two checkouts of one order at once: the second waits for the first and adds nothing', async () => {
    const results = await Promise.all([checkout('H-2', 'bo@example.com'), checkout('H-2', 'bo@example.com')]);
    expect(results.sort()).toEqual([0, 3]);
    expect((await outboxKeys()).filter((k) => k.includes('H-2'))).toHaveLength(3);
  });

  it('opens the drain route only to its secret, and then delivers what was committed', async () => {
    const drain = (authorization?: string) =>
      klaviyo.routes.drain.POST(
        new Request('https://host.test/api/klaviyo/drain', {
          method: 'POST',
          headers: authorization ? { authorization } : {},
        }),
      );
    for (const made of [undefined, 'Bearer nope', `Bearer ${DRAIN_SECRET}x`, DRAIN_SECRET]) {
      const refused = await drain(made);
      expect(refused.status).toBe(401);
      expect(await refused.json()).toMatchObject({ error: { field: 'authorization' } });
    }
    expect(await klaviyo.outbox.counts()).toMatchObject({ pending: 6, delivered: 0 });
    const response = await drain(`Bearer ${DRAIN_SECRET}`);
    expect(response.status).toBe(200);
    expect(await response.json()).toMatchObject({ delivered: 6, dead: 0 });
    await emu.settle();
    const events = (await emu.inspect('?events=full&metric=Ordered%20Product')).events as unknown[];
    expect(JSON.stringify(events)).toContain('H-1');
  });

  it('refuses every dashboard route and action as the guard refuses, before reading the query', async () => {
    const get = (name: keyof KlaviyoNext['routes']['dashboard'], query = '') =>
      (klaviyo.routes.dashboard[name].GET as (r: Request, c: unknown) => Promise<Response>)(
        new Request(`https://host.test/api/admin/x${query}`),
        { params: Promise.resolve({ id: 'not a klaviyo id!' }) },
      );
    for (const refusal of [
      { ok: false, status: 401, message: 'Sign in.' },
      { ok: false, status: 403, message: 'Not a merchant.' },
    ] as const) {
      guardSays = refusal;
      for (const name of Object.keys(
        klaviyo.routes.dashboard,
      ) as (keyof KlaviyoNext['routes']['dashboard'])[]) {
        const response = await get(name, '?period=never&cursor=');
        expect(response.status, name).toBe(refusal.status);
        expect(await response.json()).toEqual({ error: { message: refusal.message } });
      }
      const created = await klaviyo.dashboard.actions.createList({ name: 'Stolen' });
      expect(created).toMatchObject({ ok: false, error: { message: refusal.message } });
    }
    const lists = await emu.api('/api/lists');
    expect(JSON.stringify(lists.body)).not.toContain('Stolen');
  });

  it('serves the dashboard to a merchant the guard lets in', async () => {
    guardSays = { ok: true };
    await emu.api('/api/lists', {
      method: 'POST',
      body: { data: { type: 'list', attributes: { name: 'Harbor letters' } } },
    });
    const response = await klaviyo.routes.dashboard.lists.GET(
      new Request('https://host.test/api/admin/lists'),
      {},
    );
    expect(response.status).toBe(200);
    expect(JSON.stringify(await response.json())).toContain('Harbor letters');
    // A bad query is a 400 naming the field once the caller is let in.
    const bad = await klaviyo.routes.dashboard.flows.GET(
      new Request('https://host.test/api/admin/flows?period=x'),
      {},
    );
    expect(bad.status).toBe(400);
    expect(await bad.json()).toMatchObject({ error: { field: 'period' } });
  });
});

describe("createKlaviyoNext's relay, limited by the address its settings trust", () => {
  const consentTexts = {
    email: { version: 'host-1', text: 'Email me.' },
    sms: { version: 'host-1', text: 'Text me.' },
  };
  const storefront = {
    sessionCookie: 'host_session',
    product: async () => undefined,
    cart: async () => undefined,
    shopperEmail: async () => undefined,
    trackingConsent: () => true,
  };
  const signUp = (n: number) => ({ email: `reader${n}@example.com`, consent: { email: 'host-1' } });

  it('counts a client by the proxy-reported address (TRUSTED_PROXY_HOPS), however it rewrites X-Forwarded-For', async () => {
    const db = await freshSqlite();
    try {
      const klaviyo = createKlaviyoNext({
        env: { TRUSTED_PROXY_HOPS: '1' },
        sql: db,
        storefront,
        consentTexts,
        deliverSoon: () => undefined,
      });
      const statuses: number[] = [];
      for (let n = 0; n < 6; n++) {
        // The client writes whatever it likes on the left; the one proxy appends the real address.
        const ip = `10.9.${n}.${n}, 198.51.100.${n}, 203.0.113.7`;
        const response = await klaviyo.routes.subscribe.POST(
          relayRequest('/api/klaviyo/subscribe', signUp(n), { ip }),
        );
        statuses.push(response.status);
      }
      // Sign-ups: 5 a minute per client (relay/subscribe.ts SUBSCRIBE_LIMIT).
      expect(statuses).toEqual([202, 202, 202, 202, 202, 429]);
      const other = await klaviyo.routes.subscribe.POST(
        relayRequest('/api/klaviyo/subscribe', signUp(9), { ip: '10.9.0.0, 203.0.113.8' }),
      );
      expect(other.status).toBe(202);
    } finally {
      await db.close();
    }
  });
});

describe('createKlaviyoNext without the optional ports', () => {
  it('refuses every dashboard route and action when no merchant guard was given', async () => {
    const klaviyo = createKlaviyoNext({ env: {}, sql: unusedDatabase });
    const response = await klaviyo.routes.dashboard.lists.GET(
      new Request('https://host.test/api/admin/lists'),
      {},
    );
    expect(response.status).toBe(403);
    expect(await klaviyo.dashboard.actions.replayAllDeadLetters({})).toMatchObject({
      ok: false,
      error: { code: 'forbidden' },
    });
  });

  it('answers the relay routes with what is missing when no storefront was given (a worker)', async () => {
    const klaviyo = createKlaviyoNext({ env: {}, sql: unusedDatabase });
    const response = await klaviyo.routes.track.POST(new Request('https://host.test/api/klaviyo/track'));
    expect(response.status).toBe(500);
    expect(await response.json()).toMatchObject({ error: { message: expect.stringMatching(/storefront/) } });
  });

  it('refuses a storefront without consent texts, naming what is missing', () => {
    const storefront = {
      sessionCookie: 's',
      product: async () => undefined,
      cart: async () => undefined,
      shopperEmail: async () => undefined,
      trackingConsent: () => false,
    };
    expect(() => createKlaviyoNext({ env: {}, sql: unusedDatabase, storefront })).toThrow(
      /consentTexts is required with storefront/,
    );
  });

  it('validates its own variables when it is built, naming the wrong one', () => {
    expect(() => createKlaviyoNext({ env: { KLAVIYO_PRIVATE_KEY: 'sk_nope' }, sql: unusedDatabase })).toThrow(
      /KLAVIYO_PRIVATE_KEY must be a Klaviyo private API key/,
    );
  });
});

/** A database no statement may reach: these tests refuse before any SQL. */
const unusedDatabase = {
  dialect: 'postgres' as const,
  query: async () => {
    throw new Error('no statement expected');
  },
  transaction: async () => {
    throw new Error('no transaction expected');
  },
  close: async () => undefined,
};
