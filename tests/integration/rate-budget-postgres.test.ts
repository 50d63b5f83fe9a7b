import sql from 'sql-template-tag';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { RateGovernor } from '../../lib/klaviyo-next/api/governor.js';
import { PostgresRateBudgetStore } from '../../lib/klaviyo-next/outbox/rate-budget-postgres.js';
import { openPostgres } from '../../lib/klaviyo-next/sql/postgres.js';
import type { SqlDatabase } from '../../lib/klaviyo-next/sql/types.js';
import { dropPostgres, freshPostgres } from '../support/databases.js';
import { describeWithPostgres, TEST_DATABASE_URL } from '../support/requirements.js';

/**
 * The shared store reads the database's clock, so these run in real time (a few seconds). Each
 * "process" is a governor over a connection pool of its own on the one schema.
 */
describeWithPostgres('the rate budget shared through Postgres', () => {
  let db: SqlDatabase & { schema: string };
  let other: SqlDatabase;
  beforeAll(async () => {
    db = await freshPostgres();
    other = openPostgres(TEST_DATABASE_URL, { schema: db.schema, max: 3 });
  });
  afterAll(async () => {
    await other.close();
    await dropPostgres(db);
  });

  const dbNow = async () =>
    Number(
      (
        await db.query<{ ms: number }>(
          sql`SELECT (extract(epoch from clock_timestamp()) * 1000)::bigint AS ms`,
        )
      )[0]?.ms,
    );

  it('holds two processes together to one operation’s limit, less the fixed-window margin', async () => {
    const a = new RateGovernor({ store: new PostgresRateBudgetStore(db) });
    const b = new RateGovernor({ store: new PostgresRateBudgetStore(other) });
    const limit = { perSecond: 10, perMinute: 150 }; // reserved against 9 a 1.05 s window
    const run = async (g: RateGovernor) => {
      for (let i = 0; i < 12; i++) await g.acquire('bulk_create_events', limit);
    };
    await Promise.all([run(a), run(b)]);
    // The grants as the database stamped them, whichever process had them.
    const sent = (
      await db.query<{ sent_at: number }>(
        sql`SELECT sent_at FROM klaviyo_rate_log WHERE key = 'bulk_create_events' ORDER BY sent_at`,
      )
    ).map((r) => r.sent_at);
    expect(sent).toHaveLength(24);
    // No 1.05 s span holds more than 9: 24 grants take two full waits.
    for (const t of sent) expect(sent.filter((s) => s >= t && s < t + 1_050).length).toBeLessThanOrEqual(9);
    expect((sent.at(-1) ?? 0) - (sent[0] ?? 0)).toBeGreaterThanOrEqual(2_100);
  });

  it('keeps every window it is given: a longer window binds once the short one has room', async () => {
    const a = new PostgresRateBudgetStore(db);
    const b = new PostgresRateBudgetStore(other);
    const windows = [
      { limit: 2, windowMs: 500 },
      { limit: 5, windowMs: 3_000 },
    ];
    const granted: number[] = [];
    const started = Date.now();
    for (let i = 0; granted.length < 6; i++) {
      const wait = await (i % 2 ? a : b).reserve('two-windows', windows);
      if (wait === 0) granted.push(Date.now() - started);
      else await new Promise((r) => setTimeout(r, wait));
    }
    // Five within the 3 s window (two a half second), then the sixth waits for the first to leave it.
    expect(granted[4]).toBeLessThan(2_000);
    expect(granted[5]).toBeGreaterThanOrEqual(2_900);
  });

  it('shares a 429 pause and Klaviyo’s own count between processes', async () => {
    const a = new RateGovernor({ store: new PostgresRateBudgetStore(db) });
    const b = new RateGovernor({ store: new PostgresRateBudgetStore(other) });
    await a.throttled('get_metrics', 800);
    let started = Date.now();
    await b.acquire('get_metrics', { perSecond: 10, perMinute: 150 });
    expect(Date.now() - started).toBeGreaterThanOrEqual(700);
    await a.observe('get_lists', new Headers({ 'ratelimit-remaining': '0', 'ratelimit-reset': '1' }));
    started = Date.now();
    await b.acquire('get_lists', { perSecond: 75, perMinute: 750 });
    expect(Date.now() - started).toBeGreaterThanOrEqual(900);
  });

  it('stamps sends, pauses and resets with the database’s clock, whatever the process’s clock says', async () => {
    // A host five minutes fast: were its clock used, its pause would end five minutes late and its
    // sends would look five minutes newer than everyone else's.
    const fast = () => Date.now() + 5 * 60_000;
    const skewed = new RateGovernor({ store: new PostgresRateBudgetStore(other), now: fast });
    const before = await dbNow();
    await skewed.acquire('get_flows', { perSecond: 3, perMinute: 60 });
    const after = await dbNow();
    const [row] = await db.query<{ sent_at: number }>(
      sql`SELECT sent_at FROM klaviyo_rate_log WHERE key = 'get_flows'`,
    );
    expect(row?.sent_at).toBeGreaterThanOrEqual(before);
    expect(row?.sent_at).toBeLessThanOrEqual(after);
    await skewed.throttled('get_flows', 1_000);
    const [state] = await db.query<{ blocked_until: number }>(
      sql`SELECT blocked_until FROM klaviyo_rate_state WHERE key = 'get_flows'`,
    );
    expect(Math.abs((state?.blocked_until ?? 0) - (after + 1_000))).toBeLessThan(1_000);
    // A process five minutes slow waits out the same second, not five minutes more or less.
    const slow = new RateGovernor({
      store: new PostgresRateBudgetStore(db),
      now: () => Date.now() - 5 * 60_000,
    });
    const started = Date.now();
    await slow.acquire('get_flows', { perSecond: 3, perMinute: 60 });
    expect(Date.now() - started).toBeGreaterThanOrEqual(500);
    expect(Date.now() - started).toBeLessThan(2_000);
  });
});
