import { afterAll, beforeAll, expect, it } from 'vitest';
import { RateGovernor } from '../../lib/klaviyo-next/api/governor.js';
import { PostgresRateBudgetStore } from '../../lib/klaviyo-next/outbox/rate-budget-postgres.js';
import type { SqlDatabase } from '../../lib/klaviyo-next/sql/types.js';
import { dropPostgres, freshPostgres } from '../support/databases.js';
import { describeWithPostgres } from '../support/requirements.js';
import { virtualClock } from '../support/virtual-clock.js';

describeWithPostgres('the rate budget shared through Postgres', () => {
  let db: SqlDatabase & { schema: string };
  beforeAll(async () => {
    db = await freshPostgres();
  });
  afterAll(async () => dropPostgres(db));

  it('holds two processes together to one operation’s limit', async () => {
    // Two governors over two connection pools stand for two app instances or workers.
    const clock = { ...virtualClock(1_000_000), marginMs: 0 };
    const a = new RateGovernor({ store: new PostgresRateBudgetStore(db), ...clock });
    const b = new RateGovernor({ store: new PostgresRateBudgetStore(db), ...clock });
    const limit = { perSecond: 10, perMinute: 150 };
    const sent: number[] = [];
    for (let i = 0; i < 40; i++) {
      await (i % 2 ? a : b).acquire('bulk_create_events', limit);
      sent.push(clock.now());
    }
    // No 1 s window holds more than 10 sends, whichever process made them.
    for (const t of sent) expect(sent.filter((s) => s > t - 1_000 && s <= t).length).toBeLessThanOrEqual(10);
    expect((sent.at(-1) ?? 0) - (sent[0] ?? 0)).toBeGreaterThanOrEqual(3_000);
  });

  it('shares a 429 pause and Klaviyo’s own count between processes', async () => {
    const clock = virtualClock(5_000_000);
    const a = new RateGovernor({ store: new PostgresRateBudgetStore(db), ...clock });
    const b = new RateGovernor({ store: new PostgresRateBudgetStore(db), ...clock });
    await a.throttled('get_metrics', 7_000);
    const started = clock.now();
    await b.acquire('get_metrics', { perSecond: 10, perMinute: 150 });
    expect(clock.now() - started).toBe(7_000);
    await a.observe('get_lists', new Headers({ 'ratelimit-remaining': '0', 'ratelimit-reset': '12' }));
    const before = clock.now();
    await b.acquire('get_lists', { perSecond: 75, perMinute: 750 });
    expect(clock.now() - before).toBe(12_000);
  });
});
