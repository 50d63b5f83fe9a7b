import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sql from 'sql-template-tag';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { migrateAppDatabase } from '../../lib/app/migrations.js';
import { openSqlite } from '../../lib/klaviyo-next/sql/sqlite.js';
import type { SqlDatabase } from '../../lib/klaviyo-next/sql/types.js';
import { InboxStore } from '../../lib/klaviyo-next/webhooks/inbox-store.js';
import { consentOf } from '../../lib/store/customer-consent.js';
import { placeOrder } from '../../lib/store/orders/place-order.js';
import { type TestEmulator, withEmulator } from '../support/emulator.js';
import { emulatorEnv } from '../support/ops-fixtures.js';
import { cartWith, checkoutForm, testStoreDeps } from '../support/store-fixtures.js';
import { startWorker, type WorkerProcess } from '../support/worker-process.js';

/**
 * `npm run worker` applies the webhook inbox with the store's consent sink (scripts/worker.ts passes
 * `webhooks.onConsentChange`), beside delivering the outbox: a change the app's route stored but did
 * not apply (its after() failed, or the app went down) reaches the store's customer record without
 * waiting for another delivery or the cron drain. A real worker process on a real SQLite file.
 */
let emu: TestEmulator;
withEmulator({ rateLimits: false }, (started) => {
  emu = started;
});

describe('the worker and the webhook inbox', () => {
  let db: SqlDatabase;
  let path: string;
  let worker: WorkerProcess | undefined;
  beforeAll(async () => {
    path = join(mkdtempSync(join(tmpdir(), 'ops-worker-webhooks-')), 'app.db');
    db = openSqlite(path);
    await migrateAppDatabase(db);
  });
  afterAll(async () => {
    worker?.kill();
    await worker?.exited;
    await db.close();
  });

  it('applies an unsubscribe stored in the inbox to the store’s record, once', async () => {
    const deps = testStoreDeps(db);
    const email = `worker.inbox.${process.pid}@example.com`;
    const placed = await placeOrder(
      deps,
      checkoutForm(await cartWith(deps, [['organic-cotton-tee-m', 1]]), { email, phone: '' }),
    );
    if (!placed.ok) throw new Error(placed.error.message);
    const [customer] = await db.query<{ id: string }>(
      sql`SELECT id FROM store_customers WHERE email = ${email}`,
    );
    const customerId = customer?.id ?? '';
    expect((await consentOf(db, customerId)).email?.status).toBe('subscribed');

    // What the webhook route stores for Klaviyo's item (its external_id the dedup key), left pending.
    const at = Date.now() + 60_000; // after her checkout consent, so it is the newer change
    const externalId = `worker-inbox-${process.pid}`;
    const topic = 'event:klaviyo.unsubscribed_from_email_marketing';
    const inbox = new InboxStore(db);
    await inbox.insert(
      'WHWORKER',
      [
        {
          externalId,
          topic,
          identity: email,
          eventAt: at,
          change: {
            externalId,
            topic,
            channel: 'email',
            status: 'unsubscribed',
            email,
            at: new Date(at).toISOString(),
          },
        },
      ],
      Date.now(),
    );
    expect((await inbox.counts()).pending).toBe(1);

    worker = startWorker({ ...emulatorEnv(emu), OUTBOX_SQLITE_PATH: path });
    await worker.started;
    for (;;) {
      if ((await inbox.counts()).done === 1) break;
      if (await Promise.race([worker.exited.then(() => true), Promise.resolve(false)]))
        throw new Error(`the worker exited:\n${worker.output()}`);
      await new Promise((r) => setTimeout(r, 50));
    }
    expect(await inbox.counts()).toMatchObject({ pending: 0, done: 1, dead: 0 });
    expect((await consentOf(db, customerId)).email).toMatchObject({
      status: 'unsubscribed',
      source: 'klaviyo',
    });
    worker.stop();
    expect(await worker.exited).toBe(0);
  });
});
