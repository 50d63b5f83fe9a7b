import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Account } from '../../emulator/store/account.js';
import type { KlaviyoClient } from '../../lib/klaviyo/client.js';
import { KlaviyoApiError } from '../../lib/klaviyo/errors.js';
import { equals } from '../../lib/klaviyo/filter.js';
import { reportsResource } from '../../lib/klaviyo/resources/reports.js';
import { startTestEmulator, type TestEmulator } from '../support/emulator.js';
import { klaviyoFor } from '../support/klaviyo.js';

const HOUR = 3_600_000;
const DAY = 24 * HOUR;
// 30 days after the seed's history ends, at 16:00 UTC (11:00 or 12:00 in the account's New York
// timezone), so every seeded send is outside the timeframes below and only our events count.
const NOW = Math.floor((Date.now() + 30 * DAY) / DAY) * DAY + 16 * HOUR;
const TODAY = new Date(NOW).toISOString().slice(0, 10);
const YESTERDAY = new Date(NOW - DAY).toISOString().slice(0, 10);

let emu: TestEmulator;
let client: KlaviyoClient;
let reports: ReturnType<typeof reportsResource>;
let placedOrder: string;
const ids = { emailCampaign: '', emailMessage: '', smsCampaign: '', smsMessage: '' };

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
afterAll(async () => {
  expect(emu.specViolations).toEqual([]);
  await emu.close();
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
