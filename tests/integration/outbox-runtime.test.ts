import pg from 'pg';
import { afterAll, expect, it } from 'vitest';
import { getDatabase } from '../../lib/db/index.js';
import { getOutbox } from '../../lib/outbox/index.js';
import { drainSoon, getDispatcher } from '../../lib/outbox/runtime.js';
import { eventMessage } from '../../lib/outbox/types.js';
import { placedOrder } from '../../lib/tracking/orders.js';
import { type TestEmulator, withEmulator } from '../support/emulator.js';
import { describeWithPostgres, TEST_DATABASE_URL } from '../support/requirements.js';

/**
 * The app's own runtime (getDatabase, getOutbox, getDispatcher, drainSoon, configured from the
 * environment) when its database is down at the first drain and comes back: delivery must resume in
 * the same process, without a restart. The database is "down" for real: DATABASE_URL names a
 * database that does not exist yet, and the test creates it.
 */

describeWithPostgres('the app’s delivery runtime after a database outage', () => {
  const name = `outage_${process.pid}_${Math.random().toString(36).slice(2, 8)}`;
  const url = new URL(TEST_DATABASE_URL);
  url.pathname = `/${name}`;
  let emu: TestEmulator;
  const admin = new pg.Client({ connectionString: TEST_DATABASE_URL });

  withEmulator({}, async (started) => {
    emu = started;
    // Read once, at the runtime's first env() call below.
    process.env.DATABASE_URL = url.toString();
    process.env.KLAVIYO_API_URL = emu.url;
    process.env.KLAVIYO_PRIVATE_KEY = emu.account.privateKey;
    process.env.NEXT_PUBLIC_KLAVIYO_COMPANY_ID = emu.account.id;
    await admin.connect();
  });
  afterAll(async () => {
    await (await getDatabase().catch(() => undefined))?.close();
    await admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
    await admin.end();
  });

  it('a drain that finds the database down fails; once it is back, the next drain delivers', async () => {
    await expect(drainSoon()).rejects.toThrow(/does not exist/);
    await expect(getDispatcher()).rejects.toThrow(/does not exist/);

    await admin.query(`CREATE DATABASE ${name}`);
    const db = await getDatabase();
    const outbox = await getOutbox();
    const message = eventMessage(
      placedOrder(
        {
          orderId: 'NW-OUTAGE-1',
          currency: 'USD',
          placedAt: new Date().toISOString(),
          customer: { email: 'outage@example.com' },
          lines: [],
          discountCents: 0,
          shippingCents: 0,
          taxCents: 0,
          totalCents: 1000,
        },
        { email: 'outage@example.com' },
      ),
    );
    expect(await db.transaction((tx) => outbox.enqueue(tx, [message]))).toBe(1);

    const round = await drainSoon();
    expect(round?.delivered).toBe(1);
    expect(await outbox.counts()).toMatchObject({ delivered: 1, pending: 0, retrying: 0, dead: 0 });
    const placed = (await emu.inspect('?events=full&metric=Placed%20Order')).events as unknown[];
    expect(JSON.stringify(placed)).toContain('NW-OUTAGE-1');
  });
});
