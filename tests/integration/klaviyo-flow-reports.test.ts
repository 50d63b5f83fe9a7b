import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Account } from '../../emulator/store/account.js';
import type { KlaviyoClient } from '../../lib/klaviyo/client.js';
import { KlaviyoApiError } from '../../lib/klaviyo/errors.js';
import { reportsResource } from '../../lib/klaviyo/resources/reports.js';
import { startTestEmulator, type TestEmulator } from '../support/emulator.js';
import { klaviyoFor } from '../support/klaviyo.js';

const HOUR = 3_600_000;
const DAY = 24 * HOUR;
// 30 days after the seed's history ends, at 16:00 UTC (11:00 or 12:00 in the account's New York
// timezone), so every seeded send is outside the timeframes below and only our events count.
const NOW = Math.floor((Date.now() + 30 * DAY) / DAY) * DAY + 16 * HOUR;

let emu: TestEmulator;
let client: KlaviyoClient;
let reports: ReturnType<typeof reportsResource>;
let placedOrder: string;
const flow = { id: '', email: '', sms: '' };

/** Records one event the way Klaviyo attributes it: `$message` on sends, `$attributed_message` on orders. */
async function record(metric: string, email: string, minutesAgo: number, properties: object, value?: number) {
  const attributes = {
    metric: { data: { type: 'metric' as const, attributes: { name: metric } } },
    profile: { data: { type: 'profile' as const, attributes: { email } } },
    properties: properties as Record<string, unknown>,
    time: new Date(NOW - minutesAgo * 60_000).toISOString(),
    unique_id: `${metric}-${email}-${minutesAgo}`,
    backfill: false,
    value,
  };
  await client.call('create_event', { body: { data: { type: 'event', attributes } } });
}

beforeAll(async () => {
  emu = await startTestEmulator({ seed: true });
  await emu.setRateLimits(false); // reports allow 2/m; these tests ask more often
  client = klaviyoFor(emu, { governor: null }).client;
  reports = reportsResource(client);
  await emu.clock({ freezeAt: NOW });

  // Setup reads ids from the emulator's store, so this file exercises the reports and nothing else.
  const held = emu.emulator.accounts.get(emu.account.id) as Account;
  placedOrder = held.metricByName('Placed Order').id;
  const cart = [...held.collection('flow').values()].find((f) => f.attributes.name === 'Abandoned Cart');
  flow.id = cart?.id ?? '';
  for (const actionId of cart?.relationships['flow-actions'] ?? []) {
    const action = held.collection('flow-action').get(actionId);
    const message = action?.relationships['flow-messages']?.[0];
    const type = action?.attributes.definition?.type;
    if (message && type === 'send-email' && !flow.email) flow.email = message;
    if (message && type === 'send-sms') flow.sms = message;
  }

  // Abandoned Cart: its first email to g and h, opened by g, who orders; its SMS to i.
  const flowSend = { $message: flow.email, $flow: flow.id };
  for (const who of ['g', 'h']) await record('Received Email', `${who}@r.example`, 120, flowSend);
  await record('Opened Email', 'g@r.example', 100, flowSend);
  const flowOrder = { $attributed_message: flow.email, $attributed_flow: flow.id };
  await record('Placed Order', 'g@r.example', 70, flowOrder, 120);
  await record('Received SMS', 'i@r.example', 120, { $message: flow.sms, $flow: flow.id });
});
afterAll(async () => {
  expect(emu.specViolations).toEqual([]);
  await emu.close();
});

describe('reports resource: flows', () => {
  it('reports flow values per flow, one row per flow message', async () => {
    const report = await reports.flowValues({
      statistics: ['recipients', 'opens_unique', 'conversions', 'conversion_value', 'average_order_value'],
      timeframe: { key: 'last_7_days' },
      conversionMetricId: placedOrder,
      groupBy: ['flow_id', 'flow_message_id', 'send_channel'],
    });
    expect(Object.keys(report)).toEqual([flow.id]);
    const rows = [...(report[flow.id] ?? [])].sort((x, y) => x.messageId.localeCompare(y.messageId));
    const expected = [
      {
        messageId: flow.email,
        groupings: { flow_id: flow.id, flow_message_id: flow.email, send_channel: 'email' },
        statistics: {
          recipients: 2,
          opens_unique: 1,
          conversions: 1,
          conversion_value: 120,
          average_order_value: 120,
        },
      },
      {
        messageId: flow.sms,
        groupings: { flow_id: flow.id, flow_message_id: flow.sms, send_channel: 'sms' },
        statistics: {
          recipients: 1,
          opens_unique: 0,
          conversions: 0,
          conversion_value: 0,
          average_order_value: 0,
        },
      },
    ].sort((x, y) => x.messageId.localeCompare(y.messageId));
    expect(rows).toEqual(expected);
  });

  it('requires the id groupings, in the types and at Klaviyo', async () => {
    const error = await reports
      .flowValues({
        statistics: ['recipients'],
        timeframe: { key: 'today' },
        conversionMetricId: placedOrder,
        // @ts-expect-error: flow_message_id is a required grouping.
        groupBy: ['flow_id', 'send_channel'],
      })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(KlaviyoApiError);
    expect(error).toMatchObject({ status: 400, code: 'invalid', pointer: '/data/attributes/group_by' });
  });
});
