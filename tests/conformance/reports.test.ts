import { beforeAll, describe, expect, it } from 'vitest';
import { ControllableClock } from '../../emulator/core/clock.js';
import { loadSpec } from '../../emulator/core/spec.js';
import { seedAudience } from '../../emulator/seed/audience.js';
import { seedCatalog } from '../../emulator/seed/catalog.js';
import { seedMarketing } from '../../emulator/seed/marketing.js';
import { seededRandom } from '../../emulator/seed/random.js';
import { Account } from '../../emulator/store/account.js';
import { type TestEmulator, withEmulator } from '../support/emulator.js';
import { sdkFailure, sdkFor } from '../support/sdk.js';

/** A fresh account whose numbers the tests control, and the seeded demo account. */
let fresh: TestEmulator;
let demo: TestEmulator;
let freshSdk: ReturnType<typeof sdkFor>;
let demoSdk: ReturnType<typeof sdkFor>;

/** What the fresh account holds (tests run shuffled, so all of it is recorded up front). */
const measured = { campaignId: '', messageId: '', placedOrder: '' };
/** The seeded flow message the flow-report tests record their own sends for. */
const flow = { flowId: '', messageId: '', placedOrder: '' };

// Reports allow 2 calls a minute; only the rate-limit test below turns the limits back on.
withEmulator({}, async (started) => {
  fresh = started;
  freshSdk = sdkFor(started);
  await fresh.setRateLimits(false);
});
withEmulator({ seed: true }, async (started) => {
  demo = started;
  demoSdk = sdkFor(started);
  await demo.setRateLimits(false);
});
beforeAll(async () => {
  await Promise.all([recordMeasuredCampaign(), recordFlowSends()]);
});

const DAY = 86_400_000;

type Sdk = ReturnType<typeof sdkFor>;

async function metricId(sdk: Sdk, name: string): Promise<string> {
  const metrics = await sdk.metrics.getMetrics();
  const metric = metrics.body.data.find((m) => m.attributes.name === name);
  if (!metric) throw new Error(`no metric ${name}`);
  return metric.id;
}

/** Records one event through the SDK; `uniqueId` keeps same-second events apart. */
async function track(
  sdk: Sdk,
  metric: string,
  email: string,
  properties: Record<string, unknown>,
  extra: { value?: number; time?: Date; uniqueId?: string } = {},
) {
  await sdk.events.createEvent({
    data: {
      type: 'event',
      attributes: {
        properties,
        metric: { data: { type: 'metric', attributes: { name: metric } } },
        profile: { data: { type: 'profile', attributes: { email } } },
        uniqueId: extra.uniqueId ?? `${metric}-${email}-${JSON.stringify(properties)}`,
        ...(extra.value === undefined ? {} : { value: extra.value }),
        ...(extra.time ? { time: extra.time } : {}),
      },
    },
  } as never);
}

/**
 * A campaign created through the SDK, four recipients, three opens by two of them, one click, two
 * attributed orders (30.50 + 19.25) and two orders that must not count.
 */
async function recordMeasuredCampaign() {
  const created = await freshSdk.campaigns.createCampaign({
    data: {
      type: 'campaign',
      attributes: {
        name: 'Measured',
        audiences: { included: [] },
        campaignMessages: {
          data: [
            {
              type: 'campaign-message',
              attributes: { definition: { channel: 'email', label: 'Measured email' } },
            },
          ],
        },
      },
    },
  } as never);
  const messageId = created.body.data.relationships?.campaignMessages?.data?.[0]?.id ?? '';
  for (const email of ['a@x.com', 'b@x.com', 'c@x.com', 'd@x.com']) {
    await track(freshSdk, 'Received Email', email, { $message: messageId });
  }
  await track(freshSdk, 'Opened Email', 'a@x.com', { $message: messageId }, { uniqueId: 'open-a-1' });
  await track(freshSdk, 'Opened Email', 'a@x.com', { $message: messageId }, { uniqueId: 'open-a-2' });
  await track(freshSdk, 'Opened Email', 'b@x.com', { $message: messageId });
  await track(freshSdk, 'Clicked Email', 'b@x.com', { $message: messageId });
  const attributed = { $attributed_message: messageId, $attributed_channel: 'email' };
  await track(freshSdk, 'Placed Order', 'a@x.com', { ...attributed, OrderId: 1 }, { value: 30.5 });
  await track(freshSdk, 'Placed Order', 'b@x.com', { ...attributed, OrderId: 2 }, { value: 19.25 });
  // Neither counts: one is not attributed, the other is attributed to a message that does not exist.
  await track(freshSdk, 'Placed Order', 'c@x.com', { OrderId: 3 }, { value: 100 });
  await track(
    freshSdk,
    'Placed Order',
    'd@x.com',
    { OrderId: 4, $attributed_message: 'other' },
    { value: 7 },
  );
  Object.assign(measured, {
    campaignId: created.body.data.id,
    messageId,
    placedOrder: await metricId(freshSdk, 'Placed Order'),
  });
}

// Well before the seed's 90 days of history, so only the events below fall in this window.
const sentAt = new Date(Date.now() - 200 * DAY);
const flowWindow = { start: new Date(sentAt.getTime() - DAY), end: new Date(sentAt.getTime() + DAY) };

/** Two SMS sends of the seeded Abandoned Cart SMS, one click, and an 80.00 order a week later. */
async function recordFlowSends() {
  const flows = await demoSdk.flows.getFlows({ filter: 'equals(name,"Abandoned Cart")' });
  const flowId = flows.body.data[0]?.id ?? '';
  const sends = await demoSdk.flows.getActionsForFlow(flowId, { filter: 'equals(action_type,"send-sms")' });
  const messages = await demoSdk.flows.getFlowActionMessages(sends.body.data[0]?.id ?? '');
  const messageId = messages.body.data[0]?.id ?? '';
  const props = { $message: messageId, $flow: flowId };
  for (const email of ['f1@x.com', 'f2@x.com']) {
    await track(demoSdk, 'Received SMS', email, { ...props, 'Segment Count': 2 }, { time: sentAt });
  }
  await track(demoSdk, 'Clicked SMS', 'f1@x.com', props, { time: new Date(sentAt.getTime() + 60_000) });
  // Converts a week after the send, outside the window: reports count by send date.
  await track(
    demoSdk,
    'Placed Order',
    'f1@x.com',
    { $attributed_message: messageId, $attributed_flow: flowId, $attributed_channel: 'sms' },
    { value: 80, time: new Date(sentAt.getTime() + 7 * DAY) },
  );
  Object.assign(flow, { flowId, messageId, placedOrder: await metricId(demoSdk, 'Placed Order') });
}

const campaignValues = (sdk: Sdk, attributes: Record<string, unknown>) =>
  sdk.reporting.queryCampaignValues({ data: { type: 'campaign-values-report', attributes } } as never);
const flowValues = (sdk: Sdk, attributes: Record<string, unknown>) =>
  sdk.reporting.queryFlowValues({ data: { type: 'flow-values-report', attributes } } as never);
const flowSeries = (sdk: Sdk, attributes: Record<string, unknown>) =>
  sdk.reporting.queryFlowSeries({ data: { type: 'flow-series-report', attributes } } as never);
const aggregates = (sdk: Sdk, attributes: Record<string, unknown>) =>
  sdk.metrics.queryMetricAggregates({ data: { type: 'metric-aggregate', attributes } } as never);

describe('campaign values from events recorded in a fresh account', () => {
  it('computes counts, revenue and rates exactly', async () => {
    const res = await campaignValues(freshSdk, {
      statistics: [
        'recipients',
        'delivered',
        'opens',
        'opens_unique',
        'open_rate',
        'clicks_unique',
        'click_rate',
        'click_to_open_rate',
        'conversions',
        'conversion_uniques',
        'conversion_value',
        'conversion_rate',
        'revenue_per_recipient',
        'average_order_value',
      ],
      timeframe: { key: 'last_30_days' },
      conversionMetricId: measured.placedOrder,
    });
    expect(res.body.data.attributes.results).toEqual([
      {
        groupings: {
          campaign_id: measured.campaignId,
          campaign_message_id: measured.messageId,
          send_channel: 'email',
        },
        statistics: {
          recipients: 4,
          delivered: 4,
          opens: 3,
          opens_unique: 2,
          open_rate: 0.5,
          clicks_unique: 1,
          click_rate: 0.25,
          click_to_open_rate: 0.5,
          conversions: 2,
          conversion_uniques: 2,
          conversion_value: 49.75,
          conversion_rate: 0.5,
          revenue_per_recipient: 12.44,
          average_order_value: 24.88,
        },
      },
    ]);
    expect(res.response.data.data.relationships.campaigns.data).toEqual([
      { type: 'campaign', id: measured.campaignId },
    ]);
  });

  it('groups by the fields asked for and honours the filter', async () => {
    const base = {
      statistics: ['conversion_value'],
      timeframe: { key: 'today' },
      conversionMetricId: measured.placedOrder,
    };
    const named = await campaignValues(freshSdk, {
      ...base,
      groupBy: ['campaign_id', 'campaign_message_id', 'campaign_message_name'],
      filter: `equals(campaign_id,"${measured.campaignId}")`,
    });
    expect(named.body.data.attributes.results).toEqual([
      {
        groupings: {
          campaign_id: measured.campaignId,
          campaign_message_id: measured.messageId,
          campaign_message_name: 'Measured email',
        },
        statistics: { conversion_value: 49.75 },
      },
    ]);
    const sms = await campaignValues(freshSdk, { ...base, filter: 'contains-any(send_channel,["sms"])' });
    expect(sms.body.data.attributes.results).toEqual([]);
  });

  it('counts nothing outside the timeframe', async () => {
    const res = await campaignValues(freshSdk, {
      statistics: ['recipients', 'conversion_value'],
      timeframe: { start: new Date(Date.now() - 60 * DAY), end: new Date(Date.now() - 40 * DAY) },
      conversionMetricId: measured.placedOrder,
    });
    expect(res.body.data.attributes.results).toEqual([]);
  });

  it('answers every statistic of the spec’s enum', async () => {
    const spec = loadSpec().document.components.schemas.CampaignValuesRequestDTOResourceObject;
    const all: string[] = spec.properties.attributes.properties.statistics.items.enum;
    const res = await campaignValues(freshSdk, {
      statistics: all,
      timeframe: { key: 'last_7_days' },
      conversionMetricId: measured.placedOrder,
    });
    const statistics = res.body.data.attributes.results[0]?.statistics as Record<string, number>;
    expect(Object.keys(statistics).sort()).toEqual([...all].sort());
    for (const [name, value] of Object.entries(statistics)) {
      expect(typeof value).toBe('number');
      if (name.endsWith('_rate')) expect(value).toBeGreaterThanOrEqual(0);
      if (name.endsWith('_rate')) expect(value).toBeLessThanOrEqual(1);
    }
  });

  it('rejects a missing required grouping, an unknown statistic, a long timeframe and bad filters', async () => {
    const base = {
      statistics: ['opens'],
      timeframe: { key: 'last_30_days' },
      conversionMetricId: measured.placedOrder,
    };
    const grouping = await sdkFailure(campaignValues(freshSdk, { ...base, groupBy: ['campaign_id'] }));
    expect(grouping.status).toBe(400);
    expect(grouping.errors[0].source).toEqual({ pointer: '/data/attributes/group_by' });
    expect(grouping.errors[0].detail).toMatch(/campaign_message_id/);
    const statistic = await fresh.api('/api/campaign-values-reports', {
      method: 'POST',
      body: { data: { type: 'campaign-values-report', attributes: { ...base, statistics: ['profit'] } } },
    });
    expect(statistic.status).toBe(400);
    const long = await sdkFailure(
      campaignValues(freshSdk, {
        ...base,
        timeframe: { start: new Date('2025-01-01T00:00:00Z'), end: new Date('2026-01-02T00:00:00Z') },
      }),
    );
    expect(long.status).toBe(400);
    expect(long.errors[0].detail).toMatch(/at most 1 year/);
    const metric = await sdkFailure(campaignValues(freshSdk, { ...base, conversionMetricId: 'NOPE00' }));
    expect(metric.errors[0].source).toEqual({ pointer: '/data/attributes/conversion_metric_id' });
    for (const filter of ['equals(flow_id,"x")', 'equals(send_channel,"fax")', 'contains(campaign_id,"x")']) {
      const bad = await sdkFailure(campaignValues(freshSdk, { ...base, filter }));
      expect(bad.status).toBe(400);
      expect(bad.errors[0].source).toEqual({ pointer: '/data/attributes/filter' });
    }
  });
});

describe('metric aggregates', () => {
  it('counts, sums and de-duplicates Placed Order by attributed message and currency', async () => {
    const day = new Date().toISOString().slice(0, 10);
    const tomorrow = new Date(Date.now() + DAY).toISOString().slice(0, 10);
    const res = await aggregates(freshSdk, {
      metricId: measured.placedOrder,
      measurements: ['count', 'sum_value', 'unique'],
      interval: 'day',
      by: ['$attributed_channel'],
      filter: [`greater-or-equal(datetime,${day}T00:00:00)`, `less-than(datetime,${tomorrow}T00:00:00)`],
      timezone: 'UTC',
      sort: '-sum_value',
    });
    const attributes = res.response.data.data.attributes;
    expect(attributes.dates).toEqual([`${day}T00:00:00+00:00`]);
    expect(attributes.data).toEqual([
      { dimensions: [''], measurements: { count: [2], sum_value: [107], unique: [2] } },
      { dimensions: ['email'], measurements: { count: [2], sum_value: [49.75], unique: [2] } },
    ]);
  });

  it('filters on a dimension and buckets by the timezone', async () => {
    const res = await aggregates(freshSdk, {
      metricId: measured.placedOrder,
      measurements: ['sum_value'],
      interval: 'month',
      filter: [
        `greater-or-equal(datetime,${new Date(Date.now() - 40 * DAY).toISOString()})`,
        `less-than(datetime,${new Date(Date.now() + DAY).toISOString()})`,
        'equals($attributed_channel,"email")',
      ],
      timezone: 'America/New_York',
    });
    const attributes = res.response.data.data.attributes;
    expect(attributes.dates.length).toBeGreaterThanOrEqual(2);
    expect(attributes.dates[0]).toMatch(/-01T00:00:00-0[45]:00$/);
    expect(attributes.data).toHaveLength(1);
    expect(attributes.data[0].measurements.sum_value.reduce((a: number, b: number) => a + b, 0)).toBe(49.75);
  });

  it('requires a datetime range, unquoted datetimes and a known, case-sensitive timezone', async () => {
    const base = {
      metricId: measured.placedOrder,
      measurements: ['count'],
      filter: ['greater-or-equal(datetime,2026-01-01T00:00:00)', 'less-than(datetime,2026-02-01T00:00:00)'],
    };
    const noRange = await sdkFailure(
      aggregates(freshSdk, { ...base, filter: ['equals($attributed_flow,"x")'] }),
    );
    expect(noRange.status).toBe(400);
    expect(noRange.errors[0].detail).toMatch(/datetime range/);
    const quoted = await sdkFailure(
      aggregates(freshSdk, {
        ...base,
        filter: [
          'greater-or-equal(datetime,"2026-01-01T00:00:00")',
          'less-than(datetime,2026-02-01T00:00:00)',
        ],
      }),
    );
    expect(quoted.status).toBe(400);
    expect(quoted.errors[0].source).toEqual({ pointer: '/data/attributes/filter/0' });
    const zone = await sdkFailure(aggregates(freshSdk, { ...base, timezone: 'america/new_york' }));
    expect(zone.errors[0].source).toEqual({ pointer: '/data/attributes/timezone' });
    const metric = await sdkFailure(aggregates(freshSdk, { ...base, metricId: 'NOPE00' }));
    expect(metric.status).toBe(400);
    const ok = await aggregates(freshSdk, base);
    expect(ok.response.data.data.attributes.dates).toHaveLength(31);
  });
});

describe('flow reports on the seeded account', () => {
  it('reports exact values for a flow message, counting conversions at their send date', async () => {
    const res = await flowValues(demoSdk, {
      statistics: [
        'recipients',
        'clicks_unique',
        'click_rate',
        'conversion_value',
        'message_segment_count_sum',
      ],
      timeframe: flowWindow,
      conversionMetricId: flow.placedOrder,
      groupBy: ['flow_id', 'flow_message_id', 'flow_name', 'send_channel'],
    });
    expect(res.body.data.attributes.results).toEqual([
      {
        groupings: {
          flow_id: flow.flowId,
          flow_message_id: flow.messageId,
          flow_name: 'Abandoned Cart',
          send_channel: 'sms',
        },
        statistics: {
          recipients: 2,
          clicks_unique: 1,
          click_rate: 0.5,
          conversion_value: 80,
          message_segment_count_sum: 4,
        },
      },
    ]);
    expect(res.response.data.data.relationships).toEqual({
      flows: { data: [{ type: 'flow', id: flow.flowId }] },
      'flow-messages': { data: [{ type: 'flow-message', id: flow.messageId }] },
    });
  });

  it('reports a daily series, and rejects an hourly one over more than 7 days', async () => {
    const res = await flowSeries(demoSdk, {
      statistics: ['recipients', 'conversion_value'],
      timeframe: flowWindow,
      interval: 'daily',
      conversionMetricId: flow.placedOrder,
      filter: `equals(flow_message_id,"${flow.messageId}")`,
    });
    const attributes = res.response.data.data.attributes;
    expect(attributes.date_times.length).toBeGreaterThanOrEqual(3);
    const [row] = attributes.results;
    expect(row.statistics.recipients).toHaveLength(attributes.date_times.length);
    expect(row.statistics.recipients.reduce((a: number, b: number) => a + b, 0)).toBe(2);
    expect(row.statistics.conversion_value.reduce((a: number, b: number) => a + b, 0)).toBe(80);
    const hourly = await sdkFailure(
      flowSeries(demoSdk, {
        statistics: ['recipients'],
        timeframe: { key: 'last_30_days' },
        interval: 'hourly',
        conversionMetricId: flow.placedOrder,
      }),
    );
    expect(hourly.status).toBe(400);
    const grouping = await sdkFailure(
      flowValues(demoSdk, {
        statistics: ['recipients'],
        timeframe: flowWindow,
        conversionMetricId: flow.placedOrder,
        groupBy: ['flow_message_id'],
      }),
    );
    expect(grouping.errors[0].detail).toMatch(/flow_id/);
  });

  it('shows revenue attributed to seeded campaigns and flows', async () => {
    const base = {
      statistics: ['recipients', 'open_rate', 'conversion_value'],
      timeframe: { key: 'last_90_days' },
      conversionMetricId: flow.placedOrder,
    };
    const campaigns = (await campaignValues(demoSdk, base)).body.data.attributes.results;
    const flows = (await flowValues(demoSdk, base)).body.data.attributes.results;
    const revenue = (rows: typeof campaigns) =>
      rows.reduce((sum, r) => sum + ((r.statistics as Record<string, number>).conversion_value ?? 0), 0);
    expect(campaigns.length).toBeGreaterThanOrEqual(5);
    expect(revenue(campaigns)).toBeGreaterThan(0);
    expect(
      new Set(flows.map((r) => (r.groupings as Record<string, string>).flow_id)).size,
    ).toBeGreaterThanOrEqual(4);
    expect(revenue(flows)).toBeGreaterThan(0);
    for (const row of [...campaigns, ...flows]) {
      const { open_rate } = row.statistics as Record<string, number>;
      expect(open_rate).toBeGreaterThanOrEqual(0);
      expect(open_rate).toBeLessThanOrEqual(1);
    }
  });
});

describe('reporting rate limits', () => {
  it('throttles the third report call within a minute with Retry-After', async () => {
    const body = {
      statistics: ['opens'],
      timeframe: { key: 'today' },
      conversionMetricId: measured.placedOrder,
    };
    await fresh.setRateLimits(true);
    // Start at a minute boundary so all three calls share one steady window; 1.1 s apart clears the 1/s burst.
    await fresh.clock({ freezeAt: Math.ceil(Date.now() / 60_000) * 60_000 + 60_000 });
    try {
      expect((await campaignValues(freshSdk, body)).response.status).toBe(200);
      await fresh.clock({ advanceMs: 1_100 });
      expect((await campaignValues(freshSdk, body)).response.status).toBe(200);
      await fresh.clock({ advanceMs: 1_100 });
      const throttled = await sdkFailure(campaignValues(freshSdk, body));
      expect(throttled).toMatchObject({ status: 429, errors: [{ code: 'throttled' }] });
      expect(throttled.headers['retry-after']).toBe('58');
      await fresh.clock({ advanceMs: 58_000 });
      expect((await campaignValues(freshSdk, body)).response.status).toBe(200);
    } finally {
      await fresh.clock({ release: true });
      await fresh.setRateLimits(false);
    }
  });
});

describe('the marketing seed', () => {
  const accountAt = (ms: number) => {
    const clock = new ControllableClock();
    clock.freeze(ms);
    return new Account('SEED01', 'Demo Store', clock);
  };

  it('is deterministic and seeds a bare account with profiles of its own', () => {
    const at = Date.parse('2026-07-15T12:00:00Z');
    const [a, b] = [accountAt(at), accountAt(at)];
    seedMarketing(a, seededRandom(7));
    seedMarketing(b, seededRandom(7));
    expect(a.profiles.size).toBeGreaterThan(0);
    for (const type of ['campaign', 'campaign-message', 'flow', 'flow-action', 'flow-message']) {
      expect([...a.collection(type).keys()]).toEqual([...b.collection(type).keys()]);
    }
    expect(a.events.size).toBe(b.events.size);
    expect(a.events.size).toBeGreaterThan(500);
  });

  it('adds thousands of events to the demo audience in well under 1.5 s', () => {
    const account = accountAt(Date.now());
    const random = seededRandom(20260715);
    seedAudience(account, random);
    seedCatalog(account, random);
    const before = account.events.size;
    const started = performance.now();
    seedMarketing(account, random);
    expect(performance.now() - started).toBeLessThan(1500);
    expect(account.events.size - before).toBeGreaterThan(2000);
  });
});
