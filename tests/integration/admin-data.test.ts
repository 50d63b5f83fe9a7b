import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createKlaviyo } from '../../lib/klaviyo-next/api/index.js';
import { readCached, refreshCached } from '../../lib/klaviyo-next/dashboard/cache/cached.js';
import { listCampaigns } from '../../lib/klaviyo-next/dashboard/campaigns.js';
import { listDelivery, replayDeadLetters } from '../../lib/klaviyo-next/dashboard/delivery.js';
import type { AdminDeps } from '../../lib/klaviyo-next/dashboard/deps.js';
import { listFlows } from '../../lib/klaviyo-next/dashboard/flows.js';
import {
  addMember,
  createList,
  getList,
  listLists,
  listMembers,
  removeMembers,
} from '../../lib/klaviyo-next/dashboard/lists.js';
import { getOverview } from '../../lib/klaviyo-next/dashboard/overview.js';
import {
  campaignReportSource,
  flowReportSource,
  REPORT_TTL_MS,
} from '../../lib/klaviyo-next/dashboard/reports.js';
import { listSegments, segmentMembers } from '../../lib/klaviyo-next/dashboard/segments.js';
import { getSettings } from '../../lib/klaviyo-next/dashboard/settings.js';
import { createDispatcher } from '../../lib/klaviyo-next/outbox/dispatcher.js';
import { OutboxStore } from '../../lib/klaviyo-next/outbox/store.js';
import type { SqlDatabase } from '../../lib/klaviyo-next/sql/types.js';
import { dropPostgres, freshPostgres, freshSqlite } from '../support/databases.js';
import { startTestEmulator, type TestEmulator } from '../support/emulator.js';
import { orderEvents } from '../support/order-events.js';
import { describeWithPostgres } from '../support/requirements.js';

/**
 * The admin's data layer against a seeded emulator: pages with cursors, list edits, the report
 * cache and its budget, the delivery log with replay, and the settings checks.
 */
let emu: TestEmulator;
let db: SqlDatabase;
let deps: AdminDeps;
let now = Date.now();
const deferred: (() => Promise<unknown>)[] = [];
const databases: SqlDatabase[] = [];

async function runDeferred(queue = deferred) {
  while (queue.length) await queue.shift()?.();
}
const requests = async (operation: string) =>
  ((await emu.inspect()).requests[operation] as number | undefined) ?? 0;

/** The admin's deps over a database of its own, with a clock and a queue of deferred work. */
/** What a replay asks for; the tests count the requests. */
const deliveries = { requested: 0 };

async function makeDeps(clock: () => number, queue: (() => Promise<unknown>)[]): Promise<AdminDeps> {
  const database = await freshSqlite();
  databases.push(database);
  const klaviyo = createKlaviyo({
    apiKey: emu.account.privateKey,
    companyId: emu.account.publicKey,
    baseUrl: emu.url,
    governor: null,
  });
  return {
    db: database,
    klaviyo,
    outbox: new OutboxStore(database),
    now: clock,
    defer: (task) => queue.push(task),
    deliverSoon: () => deliveries.requested++,
    settings: {
      live: false,
      apiUrl: emu.url,
      companyId: emu.account.publicKey,
      webhookUrl: 'https://shop.test/api/klaviyo/webhooks',
    },
  };
}

beforeAll(async () => {
  emu = await startTestEmulator({ seed: true });
  await emu.setRateLimits(false);
  deps = await makeDeps(() => now, deferred);
  db = deps.db;
}, 60_000);

afterAll(async () => {
  for (const database of databases) await database.close();
  await emu?.close();
});

// One story on its own database and clock, in order: view, fresh views, stale view, budget, refresh.
describe('report cache', { shuffle: false }, () => {
  let deps: AdminDeps;
  let now = Date.now();
  const deferred: (() => Promise<unknown>)[] = [];
  const runDeferred = async () => {
    while (deferred.length) await deferred.shift()?.();
  };
  beforeAll(async () => {
    deps = await makeDeps(() => now, deferred);
  });

  it('answers a page view at once and fetches the report after the answer, once', async () => {
    const before = await requests('query_campaign_values');
    const first = await readCached(deps, campaignReportSource(deps, 'last_90_days'));
    expect(first).toMatchObject({ value: null, refreshing: true });
    // A second view while the first refresh is under way does not start another.
    const second = await readCached(deps, campaignReportSource(deps, 'last_90_days'));
    expect(second.refreshing).toBe(true);
    expect(deferred).toHaveLength(1);
    await runDeferred();
    const ready = await readCached(deps, campaignReportSource(deps, 'last_90_days'));
    expect(ready.refreshing).toBe(false);
    expect(ready.fetchedAt).toBe(now);
    expect(ready.value?.rows.length).toBeGreaterThan(3);
    expect(ready.value?.totalRevenue).toBeGreaterThan(0);
    expect(ready.value?.rows[0]?.name).not.toBe(ready.value?.rows[0]?.id);
    expect((await requests('query_campaign_values')) - before).toBe(1);
  });

  it('never spends the budget on a view while the value is fresh', async () => {
    const before = await requests('query_campaign_values');
    now += REPORT_TTL_MS - 1;
    for (let i = 0; i < 5; i++) await readCached(deps, campaignReportSource(deps, 'last_90_days'));
    expect(deferred).toHaveLength(0);
    expect(await requests('query_campaign_values')).toBe(before);
  });

  it('refreshes a stale value at most once per allowed window (2/m) and says when it next may', async () => {
    now += 2;
    const stale = await readCached(deps, campaignReportSource(deps, 'last_90_days'));
    expect(stale.refreshing).toBe(true);
    await runDeferred();
    // Another period right after: the bucket for query_campaign_values is empty for 30 s.
    const other = await readCached(deps, campaignReportSource(deps, 'last_7_days'));
    expect(other.refreshing).toBe(false);
    expect(other.nextRefreshAt).toBe(now + 30_000);
    now += 30_000;
    expect((await readCached(deps, campaignReportSource(deps, 'last_7_days'))).refreshing).toBe(true);
    await runDeferred();
  });

  it('skips a manual refresh of a young value and keeps the last error beside the last value', async () => {
    const fresh = await refreshCached(deps, campaignReportSource(deps, 'last_7_days'), 120_000);
    expect(fresh.status).toBe('fresh');
    now += 10 * 60_000;
    await emu.setFaults({ errorRates: { '503': 1 }, operations: ['query_campaign_values'] });
    const failed = await refreshCached(deps, campaignReportSource(deps, 'last_7_days'), 120_000);
    await emu.clearFaults();
    expect(failed.status).toBe('failed');
    expect(failed.cached.error).toMatch(/503/);
    expect(failed.cached.value).not.toBeNull();
  });

  it('serves flow revenue and the outbox numbers on the overview', async () => {
    now += 60_000;
    await readCached(deps, flowReportSource(deps, 'last_90_days'), { refresh: 'wait' });
    const overview = await getOverview(deps, 'last_90_days');
    expect(overview.flows.value?.rows.map((r) => r.name)).toContain('Abandoned Cart');
    expect(overview.campaigns.value?.currency).toMatch(/^[A-Z]{3}$/);
    expect(overview.deliveredPerHour).toHaveLength(24);
    expect(Object.keys(overview.outbox.counts).sort()).toEqual(['dead', 'delivered', 'pending', 'retrying']);
  });
});

describe('lists and segments', () => {
  it('pages through lists with a cursor, each with a cached count', async () => {
    const first = await listLists(deps);
    expect(first.items.length).toBeGreaterThan(0);
    // get_list with profile_count allows 15/m: the admin takes 12/m, at most 6 at once; the rest
    // of the page says when its count will be read.
    const started = first.items.filter((l) => l.profileCount.refreshing).length;
    expect(started).toBe(Math.min(6, first.items.length));
    expect(first.items.filter((l) => l.profileCount.nextRefreshAt).length).toBe(first.items.length - started);
    await runDeferred();
    now += 60_000;
    await listLists(deps);
    await runDeferred();
    const again = await listLists(deps);
    expect(again.items.every((l) => typeof l.profileCount.value === 'number')).toBe(true);
    if (first.nextCursor) {
      const second = await listLists(deps, first.nextCursor);
      expect(second.items.map((l) => l.id)).not.toContain(first.items[0]?.id);
    }
  });

  it('creates a list, adds and removes a member', async () => {
    const created = await createList(deps, 'Admin test VIPs');
    expect(created.profileCount).toMatchObject({ value: 0, refreshing: false });
    const member = await addMember(deps, created.id, 'vip.shopper@example.com');
    expect(member.email).toBe('vip.shopper@example.com');
    const members = await listMembers(deps, created.id);
    expect(members.items.map((m) => m.email)).toEqual(['vip.shopper@example.com']);
    // The count changed, so the cached 0 is stale and the next view re-reads it (once the
    // count budget, spent by the previous test, has refilled).
    now += 60_000;
    expect((await getList(deps, created.id)).profileCount.refreshing).toBe(true);
    await runDeferred();
    expect((await getList(deps, created.id)).profileCount.value).toBe(1);
    await removeMembers(deps, created.id, [member.id]);
    expect((await listMembers(deps, created.id)).items).toEqual([]);
  });

  it('lists segments and their members', async () => {
    const segments = await listSegments(deps);
    expect(segments.items.length).toBeGreaterThan(0);
    await runDeferred();
    const segment = segments.items[0];
    if (!segment) throw new Error('the seed has segments');
    const members = await segmentMembers(deps, segment.id);
    expect(Array.isArray(members.items)).toBe(true);
  });
});

describe('campaigns and flows', () => {
  it('filters campaigns by channel and status and joins the cached report', async () => {
    now += 60 * 60_000;
    await readCached(deps, campaignReportSource(deps, 'last_90_days'), { refresh: 'wait' });
    const sent = await listCampaigns(deps, { channel: 'email', status: 'Sent', period: 'last_90_days' });
    expect(sent.items.length).toBeGreaterThan(1);
    expect(sent.items.every((c) => c.status === 'Sent' && c.channel === 'email')).toBe(true);
    const ids = new Set(sent.report.value?.rows.map((r) => r.id));
    expect(sent.items.some((c) => ids.has(c.id))).toBe(true);
    const sms = await listCampaigns(deps, { channel: 'sms', period: 'last_90_days' });
    expect(sms.items.length).toBeGreaterThan(0);
    expect(sms.items.map((c) => c.id)).not.toContain(sent.items[0]?.id);
  });

  it('shows flows with trigger, status and their actions once fetched', async () => {
    now += 60 * 60_000;
    const page = await listFlows(deps, 'last_90_days');
    expect(page.items).toHaveLength(6);
    expect(page.items.every((f) => f.triggerType)).toBe(true);
    await runDeferred();
    const again = await listFlows(deps, 'last_90_days');
    const welcome = again.items.find((f) => f.name === 'Welcome Series');
    expect(welcome?.actions.value?.map((a) => a.type)).toContain('send-email');
  });
});

describe('delivery', () => {
  it('shows a dead letter with Klaviyo error, and delivers it on replay', async () => {
    const outbox = new OutboxStore(db);
    const [message] = orderEvents('ADMIN-1', 'dead.letter@example.com');
    if (!message) throw new Error('orderEvents returns messages');
    await db.transaction((tx) => outbox.enqueue(tx, [message]));
    const klaviyo = createKlaviyo({ apiKey: emu.account.privateKey, baseUrl: emu.url, governor: null });
    const dispatcher = createDispatcher({ store: outbox, client: klaviyo.client });
    await emu.setFaults({ errorRates: { '400': 1 }, operations: ['create_event', 'bulk_create_events'] });
    await dispatcher.drain(Date.now() + 10_000);
    await emu.clearFaults();

    const dead = await listDelivery(deps, { state: 'dead' });
    expect(dead.counts.dead).toBe(1);
    expect(dead.items).toHaveLength(1);
    expect(dead.items[0]).toMatchObject({ state: 'dead', attempts: 1, error: { status: 400 } });
    expect(dead.items[0]?.summary).toContain('dead.letter@example.com');

    const requested = deliveries.requested;
    expect(await replayDeadLetters(deps)).toEqual({ replayed: 1, skipped: [] });
    expect(deliveries.requested).toBe(requested + 1);
    await dispatcher.drain(Date.now() + 10_000);
    const all = await listDelivery(deps, {});
    expect(all.counts).toMatchObject({ dead: 0, delivered: 1 });
    expect(all.items[0]?.deliveredAt).not.toBeNull();
  });
});

describe('settings', () => {
  it('reports the key, its scopes and the webhooks', async () => {
    now += 60 * 60_000;
    await getSettings(deps);
    await runDeferred();
    const settings = await getSettings(deps);
    expect(settings).toMatchObject({ mode: 'emulator', revision: '2026-07-15' });
    expect(settings.key.value).toMatchObject({ status: 'valid', account: { id: emu.account.id } });
    expect(settings.scopes.value?.find((s) => s.scope === 'events:write')?.status).toBe('granted');
    expect(settings.scopes.value?.every((s) => s.status !== 'missing')).toBe(true);
    expect(Array.isArray(settings.webhooks.value)).toBe(true);
  });

  it('finds the scopes a restricted key lacks', async () => {
    const { privateKey } = await emu.control(`/accounts/${emu.account.id}/keys`, 'POST', {
      scopes: ['accounts:read', 'lists:read', 'events:write'],
    });
    const klaviyo = createKlaviyo({ apiKey: privateKey, baseUrl: emu.url, governor: null });
    const { probeScopes } = await import('../../lib/klaviyo-next/dashboard/scope-probes.js');
    const scopes = new Map((await probeScopes(klaviyo)).map((s) => [s.scope, s.status]));
    expect(scopes.get('lists:read')).toBe('granted');
    expect(scopes.get('events:write')).toBe('granted');
    expect(scopes.get('campaigns:read')).toBe('missing');
    expect(scopes.get('profiles:write')).toBe('missing');
  });
});

// The same cache and budget SQL on Postgres, for apps that run several instances on DATABASE_URL.
describeWithPostgres('report cache on Postgres', () => {
  it('caches a report, spends the budget once per window and serves the outbox numbers', async () => {
    const pg = await freshPostgres();
    try {
      let clock = Date.now();
      const queue: (() => Promise<unknown>)[] = [];
      const klaviyo = createKlaviyo({ apiKey: emu.account.privateKey, baseUrl: emu.url, governor: null });
      const pgDeps: AdminDeps = {
        db: pg,
        klaviyo,
        outbox: new OutboxStore(pg),
        now: () => clock,
        defer: (t) => queue.push(t),
        deliverSoon: () => deliveries.requested++,
        settings: { live: false, apiUrl: emu.url, companyId: emu.account.publicKey },
      };
      expect((await readCached(pgDeps, flowReportSource(pgDeps, 'last_30_days'))).refreshing).toBe(true);
      while (queue.length) await queue.shift()?.();
      const ready = await readCached(pgDeps, flowReportSource(pgDeps, 'last_30_days'));
      expect(ready.value?.rows.length).toBeGreaterThan(0);
      clock += 1;
      const other = await readCached(pgDeps, flowReportSource(pgDeps, 'last_7_days'));
      expect(other.nextRefreshAt).toBe(clock + 30_000 - 1);
      const overview = await getOverview(pgDeps, 'last_30_days');
      expect(overview.deliveredPerHour).toHaveLength(24);
      expect(overview.outbox.oldestPendingAt).toBeNull();
    } finally {
      await dropPostgres(pg);
    }
  });
});
