import sql, { raw } from 'sql-template-tag';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { migrateAppDatabase } from '../../lib/app/migrations.js';
import { openPostgres } from '../../lib/klaviyo-next/sql/postgres.js';
import { openSqlite } from '../../lib/klaviyo-next/sql/sqlite.js';
import type { SqlDatabase } from '../../lib/klaviyo-next/sql/types.js';
import { type Child, spawnScript, urlWithSchema } from '../../scripts/fault-processes.js';
import { HISTORY_START, type SeededHistory, seedHistory } from '../support/backfill-history.js';
import { migratedSqliteFile } from '../support/databases.js';
import { startTestEmulator, type TestEmulator } from '../support/emulator.js';
import { describeWithPostgres, TEST_DATABASE_URL } from '../support/requirements.js';
import { countRows } from '../support/store-fixtures.js';

/**
 * The backfill's acceptance: 10,000 past orders, the command killed (SIGKILL: no handler, no
 * finally) at a random point of its enqueuing, run again to completion, then run a second time.
 * Klaviyo (the emulator) must hold every past event exactly once, each flagged backfill, and no flow
 * may have been triggered, though the account has live flows on Placed Order and on a list.
 */
const ORDERS = 10_000;
const SINCE = new Date(HISTORY_START).toISOString().slice(0, 10);

interface Backend {
  db: SqlDatabase;
  env: Record<string, string>;
  close(): Promise<void>;
}

function backfill(
  emu: TestEmulator,
  env: Record<string, string>,
  args: string[] = [],
  ready = /Enqueuing history/,
): Child {
  return spawnScript(
    'scripts/backfill.ts',
    ['--since', SINCE, ...args],
    {
      ...env,
      KLAVIYO_API_URL: emu.url,
      KLAVIYO_PRIVATE_KEY: emu.account.privateKey,
      KLAVIYO_PUBLIC_KEY: emu.account.publicKey,
      STORE_URL: 'https://shop.test',
    },
    ready,
  );
}

const checkpointDone = async (db: SqlDatabase) => {
  const [row] = await db.query<{ n: number | string | null }>(
    sql`SELECT SUM(done) AS n FROM klaviyo_backfill_checkpoints`,
  );
  return Number(row?.n ?? 0);
};

function acceptance(name: string, open: () => Promise<Backend>) {
  describe(`backfill of ${ORDERS.toLocaleString('en')} orders on ${name}`, () => {
    let emu: TestEmulator;
    let backend: Backend;
    let seeded: SeededHistory;
    beforeAll(async () => {
      emu = await startTestEmulator({ seed: true });
      backend = await open();
      seeded = await seedHistory(backend.db, ORDERS);
    });
    afterAll(async () => {
      await backend?.close();
      await emu?.close();
    });

    it('killed at a random point, resumed, then run again: each event once, all backfill, no flow', {
      timeout: 180_000,
    }, async () => {
      const before = await emu.control(`/accounts/${emu.account.id}/tally`);
      const triggersBefore = (await emu.control(`/accounts/${emu.account.id}/flow-triggers`)).data.length;
      const records = seeded.orders + seeded.customers + seeded.subscribed;

      // 0. A bad argument is named (exit 2); a dry run counts the history and writes nothing.
      const future = spawnScript('scripts/backfill.ts', ['--since', '2999-01-01'], backend.env, /backfill:/);
      expect(await future.exited).toBe(2);
      expect(future.output()).toContain("--since '2999-01-01' is in the future");
      const dry = backfill(emu, backend.env, ['--dry-run'], /Reading history/);
      expect(await dry.exited, dry.output()).toBe(0);
      expect(dry.output()).toContain(`Placed Order: ${ORDERS} new, 0 known`);
      for (const table of ['klaviyo_outbox', 'klaviyo_outbox_keys', 'klaviyo_backfill_checkpoints'])
        expect(await countRows(backend.db, table), table).toBe(0);

      // 1. Killed once a random share (20-80 %) of the history is checkpointed.
      const share = 0.2 + Math.random() * 0.6;
      const first = backfill(emu, backend.env);
      await first.ready;
      while ((await checkpointDone(backend.db)) < share * records) {
        const exited = await Promise.race([first.exited, new Promise((r) => setTimeout(() => r(null), 50))]);
        if (exited !== null) throw new Error(`the backfill ended before it was killed:\n${first.output()}`);
      }
      first.kill();
      expect(await first.exited, first.output()).toBe('SIGKILL');

      // 2. Run again: it resumes from the checkpoint and finishes, delivery included.
      const second = backfill(emu, backend.env);
      expect(await second.exited, second.output()).toBe(0);
      expect(second.output()).toContain('resumed from the last checkpoint');
      expect(second.output()).toMatch(/History delivered; 0 refused/);

      // 3. A second full run: the same history again, nothing new.
      const third = backfill(emu, backend.env);
      expect(await third.exited, third.output()).toBe(0);
      expect(third.output()).toMatch(/Enqueued 0 new messages from 5000 customers, 10000 orders/);

      await emu.settle();
      const tally = await emu.control(`/accounts/${emu.account.id}/tally?from=${before.now}`);
      const expected = seeded.events;
      const total = Object.values(expected).reduce((a, b) => a + b, 0);
      for (const [metric, n] of Object.entries(expected))
        expect(tally.eventsByMetric[metric] ?? 0, metric).toBe(n);
      expect(tally.events).toBe(total);
      expect(tally.duplicated).toBe(0);

      const inspected = await emu.inspect('?events=full');
      const past = inspected.events.filter((e: { properties: Record<string, unknown> }) =>
        String(e.properties.OrderId ?? '').startsWith('PAST-'),
      );
      expect(past).toHaveLength(total);
      expect(past.filter((e: { backfill: boolean }) => e.backfill !== true)).toEqual([]);

      // Live flows exist on these metrics; none was entered.
      const triggers = (await emu.control(`/accounts/${emu.account.id}/flow-triggers`)).data;
      expect(triggers.slice(triggersBefore)).toEqual([]);

      // The subscribed customers hold email consent, with the time they gave it.
      const profiles = (await emu.control(`/accounts/${emu.account.id}/tally?profiles=1`)).profiles as {
        email: string | null;
        subscriptions: { email?: { marketing?: { consent?: string; consent_timestamp?: string } } };
      }[];
      const first40 = profiles.find((p) => p.email === 'past.40@example.com');
      expect(first40?.subscriptions.email?.marketing?.consent).toBe('SUBSCRIBED');
      expect(first40?.subscriptions.email?.marketing?.consent_timestamp).toBe(
        new Date(HISTORY_START + 80 * 60_000).toISOString().replace('.000Z', '+00:00'),
      );
      expect(emu.specViolations).toEqual([]);
    });
  });
}

acceptance('SQLite', async () => {
  const path = await migratedSqliteFile('backfill-');
  const db = openSqlite(path);
  return { db, env: { OUTBOX_SQLITE_PATH: path }, close: () => db.close() };
});

describeWithPostgres('Postgres', () => {
  acceptance('Postgres', async () => {
    const schema = `backfill_${process.pid}_${Math.random().toString(36).slice(2, 8)}`;
    const db = openPostgres(TEST_DATABASE_URL, { schema, max: 3 });
    await db.query(raw(`CREATE SCHEMA ${schema}`));
    await migrateAppDatabase(db);
    return {
      db,
      env: { DATABASE_URL: urlWithSchema(TEST_DATABASE_URL, schema) },
      close: async () => {
        await db.query(raw(`DROP SCHEMA IF EXISTS ${schema} CASCADE`));
        await db.close();
      },
    };
  });
});
