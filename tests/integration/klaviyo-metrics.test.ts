import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { equals } from '../../lib/klaviyo-next/api/filter.js';
import { eventsResource } from '../../lib/klaviyo-next/api/resources/events.js';
import { metricsResource } from '../../lib/klaviyo-next/api/resources/metrics.js';
import { startTestEmulator, type TestEmulator } from '../support/emulator.js';
import { klaviyoFor } from '../support/klaviyo.js';

let emu: TestEmulator;
let metrics: ReturnType<typeof metricsResource>;

const HOUR = 3_600_000;
const DAY = 24 * HOUR;
/** Midnight UTC ten days ago: the first of three daily buckets. */
const DAY0 = Math.floor(Date.now() / DAY) * DAY - 10 * DAY;
const iso = (ms: number) => new Date(ms).toISOString().replace('.000Z', '+00:00');

beforeAll(async () => {
  emu = await startTestEmulator();
  const k = klaviyoFor(emu);
  metrics = metricsResource(k.client);
  const events = eventsResource(k.client);
  // Day 0: two USD orders by two people and one EUR order; day 1: one USD order; day 2: none.
  const orders = [
    { email: 'm1@example.com', at: DAY0 + HOUR, value: 10, currency: 'USD' },
    { email: 'm2@example.com', at: DAY0 + 2 * HOUR, value: 20, currency: 'USD' },
    { email: 'm2@example.com', at: DAY0 + 3 * HOUR, value: 5, currency: 'EUR' },
    { email: 'm1@example.com', at: DAY0 + DAY + HOUR, value: 7.5, currency: 'USD' },
  ];
  for (const [i, o] of orders.entries()) {
    await events.create({
      metric: 'Placed Order',
      profile: { email: o.email },
      time: new Date(o.at),
      value: o.value,
      value_currency: o.currency,
      unique_id: `order-${i}`,
    });
  }
  await events.create({ metric: 'Viewed Product', profile: { email: 'm1@example.com' } });
});
afterAll(async () => {
  expect(emu.specViolations).toEqual([]);
  await emu.close();
});

describe('metrics resource', () => {
  it('lists every metric and gets one by id', async () => {
    const all = [];
    for await (const metric of metrics.list()) all.push(metric);
    expect(all.map((m) => m.attributes.name).sort()).toEqual(['Placed Order', 'Viewed Product']);
    const placed = all.find((m) => m.attributes.name === 'Placed Order');
    const one = await metrics.get(String(placed?.id));
    expect(one).toMatchObject({ id: placed?.id, attributes: { name: 'Placed Order' } });
  });

  it('finds a metric id by its exact name', async () => {
    const id = await metrics.findIdByName('Viewed Product');
    expect((await metrics.get(String(id))).attributes.name).toBe('Viewed Product');
    expect(await metrics.findIdByName('viewed product')).toBeUndefined();
  });

  it('aggregates count, sum and unique per day over [since, until)', async () => {
    const metricId = String(await metrics.findIdByName('Placed Order'));
    const result = await metrics.aggregate({
      metricId,
      measurements: ['count', 'sum_value', 'unique'],
      since: new Date(DAY0),
      until: new Date(DAY0 + 3 * DAY),
    });
    expect(result.dates).toEqual([iso(DAY0), iso(DAY0 + DAY), iso(DAY0 + 2 * DAY)]);
    expect(result.rows).toEqual([
      { dimensions: [], measurements: { count: [3, 1, 0], sum_value: [35, 7.5, 0], unique: [2, 1, 0] } },
    ]);
  });

  it('groups by a dimension, narrows with filter-builder conditions, and honours the interval', async () => {
    const metricId = String(await metrics.findIdByName('Placed Order'));
    const range = { metricId, since: new Date(DAY0), until: new Date(DAY0 + 2 * DAY) };
    const byCurrency = await metrics.aggregate({
      ...range,
      measurements: ['sum_value'],
      by: ['$value_currency'],
      sort: '$value_currency',
    });
    expect(byCurrency.rows).toEqual([
      { dimensions: ['EUR'], measurements: { sum_value: [5, 0] } },
      { dimensions: ['USD'], measurements: { sum_value: [30, 7.5] } },
    ]);
    const usdOnly = await metrics.aggregate({
      ...range,
      measurements: ['count'],
      interval: 'week',
      until: new Date(DAY0 + DAY),
      where: [equals('$value_currency', 'USD')],
    });
    expect(usdOnly.dates).toHaveLength(1);
    expect(usdOnly.rows).toEqual([{ dimensions: [], measurements: { count: [2] } }]);
  });
});
