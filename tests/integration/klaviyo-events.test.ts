import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { KlaviyoApiError } from '../../lib/klaviyo-next/api/errors.js';
import { type EventInput, eventsResource } from '../../lib/klaviyo-next/api/resources/events.js';
import { collect } from '../support/collect.js';
import { startTestEmulator, type TestEmulator } from '../support/emulator.js';
import { klaviyoFor } from '../support/klaviyo.js';

let emu: TestEmulator;
let k: ReturnType<typeof klaviyoFor>;
let events: ReturnType<typeof eventsResource>;

const DAY = 86_400_000;
/** A whole second ten days ago: event times are truncated to the second. */
const BASE = Math.floor((Date.now() - 10 * DAY) / 1000) * 1000;

beforeAll(async () => {
  emu = await startTestEmulator();
  k = klaviyoFor(emu);
  events = eventsResource(k.client);
});
afterAll(async () => {
  expect(emu.specViolations).toEqual([]);
  await emu.close();
});

type Recorded = { id: string; email: string | null; uniqueId: string; [field: string]: unknown };
const recorded = async (metric: string): Promise<Recorded[]> =>
  (await emu.inspect(`?events=full&metric=${encodeURIComponent(metric)}`)).events;
const requests = async (operation: string): Promise<number> => (await emu.inspect()).requests[operation] ?? 0;

describe('events resource', () => {
  it('creates one event with its unique_id, value, currency, time and profile identifiers', async () => {
    const order: EventInput = {
      metric: 'Placed Order',
      profile: { email: 'ada@example.com', external_id: 'cust-1', first_name: 'Ada' },
      properties: { OrderId: 'o-1', Items: [{ SKU: 'A1', Qty: 2 }] },
      time: new Date(BASE + 1_234),
      value: 42.5,
      value_currency: 'EUR',
      unique_id: 'order-o-1',
    };
    await events.create(order);
    await events.create(order); // the same unique_id for the same profile and metric is dropped
    const [event, ...rest] = await recorded('Placed Order');
    expect(rest).toEqual([]);
    expect(event).toMatchObject({
      email: 'ada@example.com',
      externalId: 'cust-1',
      uniqueId: 'order-o-1',
      time: new Date(BASE + 1_000).toISOString().replace('.000Z', '+00:00'), // truncated to the second
      properties: { OrderId: 'o-1', $value: 42.5, $value_currency: 'EUR' },
      backfill: false,
    });
    const profile = await k.profiles.getByEmail('ada@example.com');
    expect(profile?.attributes).toMatchObject({ external_id: 'cust-1', first_name: 'Ada' });
    expect((await emu.inspect()).suppressed).toMatchObject([{ uniqueId: 'order-o-1' }]);
  });

  it('bulk-creates 2,500 events for 3 profiles as 3 jobs', async () => {
    const people = ['b1@example.com', 'b2@example.com', 'b3@example.com'];
    const input: EventInput[] = Array.from({ length: 2_500 }, (_, i) => ({
      metric: 'Viewed Product',
      profile: { email: people[i % 3] },
      properties: { ProductId: `p-${i}` },
      time: new Date(BASE + i * 1000),
      unique_id: `view-${i}`,
    }));
    const before = await emu.inspect();
    expect(await events.bulkCreate(input)).toBe(3);
    expect(await requests('bulk_create_events')).toBe((before.requests.bulk_create_events ?? 0) + 3);
    await emu.settle();
    const seen = await recorded('Viewed Product');
    expect(seen).toHaveLength(2_500);
    expect(new Set(seen.map((e) => e.uniqueId)).size).toBe(2_500);
    for (const email of people) {
      expect(seen.filter((e) => e.email === email)).toHaveLength(email === 'b1@example.com' ? 834 : 833);
    }
    const jobs = (await emu.inspect()).jobs.slice(before.jobs.length);
    expect(jobs.map((j: { type: string; total_count: number }) => [j.type, j.total_count])).toEqual([
      ['event-bulk-create-job', 1000],
      ['event-bulk-create-job', 1000],
      ['event-bulk-create-job', 500],
    ]);
  });

  it('splits a bulk create that would pass 5MB into more jobs', async () => {
    // 27 of these (about 180KB each) fit in 5,000,000 bytes; 60 need 3 jobs.
    const big = 'x'.repeat(90_000);
    const input: EventInput[] = Array.from({ length: 60 }, (_, i) => ({
      metric: 'Uploaded Photo',
      profile: { external_id: `photographer-${i % 2}` },
      properties: { front: big, back: big },
      unique_id: `photo-${i}`,
    }));
    const before = await emu.inspect();
    expect(await events.bulkCreate(input)).toBe(3);
    expect(await requests('bulk_create_events')).toBe((before.requests.bulk_create_events ?? 0) + 3);
    await emu.settle();
    const jobs = (await emu.inspect()).jobs.slice(before.jobs.length);
    expect(jobs.map((j: { total_count: number }) => j.total_count)).toEqual([27, 27, 6]);
    expect(await recorded('Uploaded Photo')).toHaveLength(60);
  });

  it('lists events by metric, profile and time range across pages, and gets one', async () => {
    const track = (metric: string, email: string, second: number) =>
      events.create({ metric, profile: { email }, time: new Date(BASE + second * 1000), value: second });
    for (let s = 0; s < 6; s++) await track('Started Checkout', 'list-a@example.com', s);
    await track('Started Checkout', 'list-b@example.com', 2);
    await track('Added To Cart', 'list-a@example.com', 3);
    const [sample] = await recorded('Started Checkout');
    const full = await events.get(String(sample?.id));
    const metricId = String(full.relationships?.metric?.data?.id);
    const profileId = String((await k.profiles.getByEmail('list-a@example.com'))?.id);

    const before = await requests('get_events');
    const found = await collect(
      events.list({
        metricId,
        profileId,
        since: new Date(BASE + 1_000),
        until: new Date(BASE + 5_000),
        sort: 'datetime',
        pageSize: 2,
      }),
    );
    expect(found.map((e) => e.attributes.event_properties?.$value)).toEqual([1, 2, 3, 4]);
    expect(found.every((e) => e.relationships?.profile?.data?.id === profileId)).toBe(true);
    expect(await requests('get_events')).toBe(before + 2);

    const one = await events.get(found[0]?.id as string);
    expect(one).toMatchObject({
      id: found[0]?.id,
      attributes: { datetime: new Date(BASE + 1_000).toISOString().replace('.000Z', '+00:00') },
      relationships: { metric: { data: { id: metricId } }, profile: { data: { id: profileId } } },
    });
  });

  it('answers an unknown event id with a typed 404', async () => {
    const error = await events.get('NOPE0000000').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(KlaviyoApiError);
    expect(error).toMatchObject({ status: 404, code: 'not_found' });
  });
});
