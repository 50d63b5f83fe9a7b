import { describe, expect, it } from 'vitest';
import { type TestEmulator, withEmulator } from '../support/emulator.js';
import { sdkFailure, sdkFor } from '../support/sdk.js';

let emu: TestEmulator;
let sdk: ReturnType<typeof sdkFor>;

withEmulator({}, (started) => {
  emu = started;
  sdk = sdkFor(started);
});

const event = (email: string, extra: Record<string, unknown> = {}) => ({
  data: {
    type: 'event' as const,
    attributes: {
      properties: { OrderId: '1001' },
      metric: { data: { type: 'metric' as const, attributes: { name: 'Placed Order' } } },
      profile: { data: { type: 'profile' as const, attributes: { email } } },
      ...extra,
    },
  },
});

describe('events through the official SDK', () => {
  it('records an event sent twice with one unique_id once', async () => {
    const body = event('twice@example.com', { uniqueId: 'order-1001', value: 42.5 });
    expect((await sdk.events.createEvent(body as never)).response.status).toBe(202);
    expect((await sdk.events.createEvent(body as never)).response.status).toBe(202);
    const seen = await emu.inspect('?events=full&metric=Placed Order');
    const mine = seen.events.filter((e: any) => e.email === 'twice@example.com');
    expect(mine).toHaveLength(1);
    expect(mine[0].properties).toMatchObject({ $event_id: 'order-1001', $value: 42.5 });
    expect(seen.suppressed).toContainEqual(
      expect.objectContaining({ uniqueId: 'order-1001', reason: 'duplicate_unique_id' }),
    );
  });

  it('drops a second event in the same second without a unique_id, as Klaviyo documents', async () => {
    const time = new Date('2026-05-01T10:00:00.250Z');
    await sdk.events.createEvent(event('same-second@example.com', { time }) as never);
    await sdk.events.createEvent(
      event('same-second@example.com', { time: new Date('2026-05-01T10:00:00.900Z') }) as never,
    );
    await sdk.events.createEvent(
      event('same-second@example.com', { time: new Date('2026-05-01T10:00:01.000Z') }) as never,
    );
    const seen = await emu.inspect('?events=full');
    const mine = seen.events.filter((e: any) => e.email === 'same-second@example.com');
    expect(mine.map((e: any) => e.time).sort()).toEqual([
      '2026-05-01T10:00:00+00:00',
      '2026-05-01T10:00:01+00:00',
    ]);
    expect(mine.map((e: any) => e.uniqueId).sort()).toEqual(['1777629600', '1777629601']);
  });

  it('lists events with a metric filter and pages with full-URL links', async () => {
    for (let i = 0; i < 5; i++) {
      await sdk.events.createEvent(event(`pager${i}@example.com`, { uniqueId: `pager-${i}` }) as never);
    }
    const metrics = await sdk.metrics.getMetrics();
    const placed = metrics.body.data.find((m) => m.attributes.name === 'Placed Order');
    expect(placed).toBeDefined();
    const first = await sdk.events.getEvents({
      filter: `equals(metric_id,"${placed?.id}")`,
      pageSize: 2,
      include: ['metric'],
    });
    expect(first.body.data).toHaveLength(2);
    expect(first.body.links?.next).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/api\/events\?.*page%5Bcursor%5D=/);
    const second = await sdk.events.getEvents({ pageCursor: first.body.links?.next, pageSize: 2 });
    expect(second.body.data[0]?.id).not.toBe(first.body.data[0]?.id);
  });

  it('rejects an unknown event id with 404', async () => {
    const error = await sdkFailure(sdk.events.getEvent('nope'));
    expect(error).toMatchObject({ status: 404, errors: [{ code: 'not_found' }] });
  });

  it('accepts a bulk job of 1000 events, records them once the job runs, and rejects 1001', async () => {
    // The SDK's models are camelCase and its serializer maps them to the API's names.
    const job = (count: number, prefix: string, sdkModel = false) => ({
      data: {
        type: 'event-bulk-create-job',
        attributes: {
          [sdkModel ? 'eventsBulkCreate' : 'events-bulk-create']: {
            data: [
              {
                type: 'event-bulk-create',
                attributes: {
                  profile: { data: { type: 'profile', attributes: { email: `${prefix}@example.com` } } },
                  events: {
                    data: Array.from({ length: count }, (_, i) => ({
                      type: 'event',
                      attributes: {
                        properties: { i },
                        [sdkModel ? 'uniqueId' : 'unique_id']: `${prefix}-${i}`,
                        metric: { data: { type: 'metric', attributes: { name: 'Viewed Product' } } },
                      },
                    })),
                  },
                },
              },
            ],
          },
        },
      },
    });
    const tooMany = await emu.api('/api/event-bulk-create-jobs', {
      method: 'POST',
      body: job(1001, 'bulk-over'),
    });
    expect(tooMany.status).toBe(400);
    expect(tooMany.body.errors[0].detail).toContain('1000');

    const accepted = await sdk.events.bulkCreateEvents(job(1000, 'bulk-ok', true) as never);
    expect(accepted.response.status).toBe(202);
    await emu.settle();
    const seen = await emu.inspect('?events=full&metric=Viewed Product');
    expect(seen.events.filter((e: any) => e.email === 'bulk-ok@example.com')).toHaveLength(1000);
    expect(seen.events.some((e: any) => e.email === 'bulk-over@example.com')).toBe(false);
  });

  it('rejects an event whose profile has no identifier, naming the field', async () => {
    const res = await emu.api('/api/events', {
      method: 'POST',
      body: {
        data: {
          type: 'event',
          attributes: {
            properties: {},
            metric: { data: { type: 'metric', attributes: { name: 'Viewed Product' } } },
            profile: { data: { type: 'profile', attributes: { first_name: 'Nobody' } } },
          },
        },
      },
    });
    expect(res.status).toBe(400);
    expect(res.body.errors[0].source.pointer).toBe('/data/attributes/profile/data/attributes');
  });
});
