import { describe, expect, it } from 'vitest';
import { KlaviyoApiError } from '../../lib/klaviyo-next/api/errors.js';
import { equals } from '../../lib/klaviyo-next/api/filter.js';
import type { reportsResource } from '../../lib/klaviyo-next/api/resources/reports.js';
import { DAY, REPORTS_NOW, withReportsEmulator } from '../support/report-events.js';

const TODAY = new Date(REPORTS_NOW).toISOString().slice(0, 10);
const YESTERDAY = new Date(REPORTS_NOW - DAY).toISOString().slice(0, 10);

let reports: ReturnType<typeof reportsResource>;
let placedOrder: string;
const ids = { emailCampaign: '', emailMessage: '', smsCampaign: '', smsMessage: '' };

withReportsEmulator(async (setup) => {
  const { held, record } = setup;
  reports = setup.reports;
  placedOrder = held.metricByName('Placed Order').id;
  const messages = held.collection('campaign-message');
  for (const campaign of held.collection('campaign').values()) {
    const messageId = campaign.relationships['campaign-messages']?.[0] ?? '';
    const channel = messages.get(messageId)?.attributes.definition?.channel;
    if (campaign.attributes.status !== 'Sent' || (channel !== 'email' && channel !== 'sms')) continue;
    ids[`${channel as 'email' | 'sms'}Campaign`] = campaign.id;
    ids[`${channel as 'email' | 'sms'}Message`] = messageId;
  }

  // Email campaign: 4 received, opened by a (twice) and b, clicked by a, orders from a and b.
  const sent = { $message: ids.emailMessage };
  for (const who of ['a', 'b', 'c', 'd']) await record('Received Email', `${who}@r.example`, 120, sent);
  await record('Opened Email', 'a@r.example', 100, sent);
  await record('Opened Email', 'a@r.example', 90, sent);
  await record('Opened Email', 'b@r.example', 80, sent);
  await record('Clicked Email', 'a@r.example', 85, sent);
  const order = { $attributed_message: ids.emailMessage, $attributed_channel: 'email' };
  await record('Placed Order', 'a@r.example', 60, order, 50);
  await record('Placed Order', 'b@r.example', 50, order, 30);
  // SMS campaign: 2 received, 1 click, no order.
  for (const who of ['e', 'f'])
    await record('Received SMS', `${who}@r.example`, 120, { $message: ids.smsMessage });
  await record('Clicked SMS', 'e@r.example', 110, { $message: ids.smsMessage });
});

describe('reports resource: campaigns', () => {
  it('reports campaign values per campaign, with exact statistics', async () => {
    const report = await reports.campaignValues({
      statistics: ['recipients', 'opens', 'opens_unique', 'open_rate', 'clicks_unique', 'click_rate'],
      timeframe: { key: 'today' },
      conversionMetricId: placedOrder,
      groupBy: ['campaign_id', 'campaign_message_id', 'send_channel'],
    });
    expect(Object.keys(report).sort()).toEqual([ids.emailCampaign, ids.smsCampaign].sort());
    expect(report[ids.emailCampaign]).toEqual([
      {
        messageId: ids.emailMessage,
        groupings: {
          campaign_id: ids.emailCampaign,
          campaign_message_id: ids.emailMessage,
          send_channel: 'email',
        },
        statistics: {
          recipients: 4,
          opens: 3,
          opens_unique: 2,
          open_rate: 0.5,
          clicks_unique: 1,
          click_rate: 0.25,
        },
      },
    ]);
    const sms = { recipients: 2, opens: 0, opens_unique: 0, open_rate: 0, clicks_unique: 1, click_rate: 0.5 };
    expect(report[ids.smsCampaign]?.[0]?.statistics).toEqual(sms);
  });

  it('counts conversions of the given metric, and honours the filter', async () => {
    const report = await reports.campaignValues({
      statistics: ['conversions', 'conversion_uniques', 'conversion_value', 'revenue_per_recipient'],
      timeframe: { start: `${TODAY}T00:00:00+00:00`, end: `${TODAY}T23:59:59+00:00` },
      conversionMetricId: placedOrder,
      groupBy: ['campaign_id', 'campaign_message_id'],
      filter: [equals('send_channel', 'email')],
    });
    expect(report).toEqual({
      [ids.emailCampaign]: [
        {
          messageId: ids.emailMessage,
          groupings: { campaign_id: ids.emailCampaign, campaign_message_id: ids.emailMessage },
          statistics: {
            conversions: 2,
            conversion_uniques: 2,
            conversion_value: 80,
            revenue_per_recipient: 20,
          },
        },
      ],
    });
  });

  it('leaves out what was sent outside the timeframe', async () => {
    const yesterday = await reports.campaignValues({
      statistics: ['recipients'],
      timeframe: { start: `${YESTERDAY}T00:00:00+00:00`, end: `${YESTERDAY}T23:59:59+00:00` },
      conversionMetricId: placedOrder,
      groupBy: ['campaign_id', 'campaign_message_id'],
    });
    expect(yesterday).toEqual({});
  });

  it('requires the id groupings, in the types and at Klaviyo', async () => {
    const error = await reports
      .campaignValues({
        statistics: ['recipients'],
        timeframe: { key: 'today' },
        conversionMetricId: placedOrder,
        // @ts-expect-error: campaign_message_id is a required grouping.
        groupBy: ['campaign_id'],
      })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(KlaviyoApiError);
    expect(error).toMatchObject({ status: 400, code: 'invalid', pointer: '/data/attributes/group_by' });
  });
});
