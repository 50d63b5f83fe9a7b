import { describe, expect, it } from 'vitest';
import { KlaviyoApiError } from '../../lib/klaviyo-next/api/errors.js';
import type { reportsResource } from '../../lib/klaviyo-next/api/resources/reports.js';
import { withReportsEmulator } from '../support/report-events.js';

let reports: ReturnType<typeof reportsResource>;
let placedOrder: string;
const flow = { id: '', email: '', sms: '' };

withReportsEmulator(async (setup) => {
  const { held, record } = setup;
  reports = setup.reports;
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
