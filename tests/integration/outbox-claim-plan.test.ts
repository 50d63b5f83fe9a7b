import type { Sql } from 'sql-template-tag';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { OutboxStore } from '../../lib/klaviyo-next/outbox/store.js';
import type { SqlDatabase, SqlExecutor } from '../../lib/klaviyo-next/sql/types.js';
import { freshSqlite } from '../support/databases.js';

/**
 * The claim's plan on SQLite. Without statistics SQLite's planner read every waiting row through the
 * (state, id) index and sorted them all for each claim (about 300 ms a claim at half a million
 * waiting rows, which bounded a sale's delivery); the claim must walk the due index in claim order.
 */
describe('the SQLite claim', () => {
  let db: SqlDatabase;
  beforeAll(async () => {
    db = await freshSqlite();
  });
  afterAll(async () => db.close());

  it('walks the due index in claim order instead of sorting every waiting row', async () => {
    const statements: Sql[] = [];
    // The store's own transaction, with each statement of the claim recorded on its way through.
    const recording: SqlDatabase = Object.assign(Object.create(db), {
      transaction: <T>(fn: (tx: SqlExecutor) => Promise<T>) =>
        db.transaction((tx) =>
          fn({
            ...tx,
            query: (query: Sql) => {
              statements.push(query);
              return tx.query(query);
            },
          } as SqlExecutor),
        ),
    });
    await new OutboxStore(recording).claim('worker', 1_000, 60_000, Date.now(), undefined, 1_000);
    const update = statements.find((s) => s.sql.startsWith('UPDATE klaviyo_outbox SET lease_owner'));
    expect(update).toBeDefined();
    const plan = await db.query<{ detail: string }>({
      ...update,
      sql: `EXPLAIN QUERY PLAN ${update?.sql}`,
    } as Sql);
    const details = plan.map((row) => row.detail);
    expect(details).toContainEqual(expect.stringContaining('USING INDEX klaviyo_outbox_due_lane'));
    expect(details.filter((d) => d.includes('TEMP B-TREE FOR ORDER BY'))).toEqual([]);
  });
});
