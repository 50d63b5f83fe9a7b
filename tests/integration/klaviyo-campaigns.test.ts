import { afterAll, beforeAll, describe, expect, expectTypeOf, it } from 'vitest';
import type { Account } from '../../emulator/store/account.js';
import type { GenericRecord } from '../../emulator/store/types.js';
import type { KlaviyoClient } from '../../lib/klaviyo-next/api/client.js';
import { KlaviyoApiError } from '../../lib/klaviyo-next/api/errors.js';
import { buildFilter, equals } from '../../lib/klaviyo-next/api/filter.js';
import { type CampaignChannel, campaignsResource } from '../../lib/klaviyo-next/api/resources/campaigns.js';
import { collect } from '../support/collect.js';
import { startTestEmulator, type TestEmulator } from '../support/emulator.js';
import { klaviyoFor } from '../support/klaviyo.js';

let emu: TestEmulator;
let client: KlaviyoClient;
let campaigns: ReturnType<typeof campaignsResource>;
let held: Account;

beforeAll(async () => {
  emu = await startTestEmulator({ seed: true });
  client = klaviyoFor(emu).client;
  campaigns = campaignsResource(client);
  held = emu.emulator.accounts.get(emu.account.id) as Account;
});
afterAll(async () => {
  expect(emu.specViolations).toEqual([]);
  await emu.close();
});

/** What the emulator holds: campaigns whose messages use the channel, optionally of some statuses. */
function heldCampaigns(channel: string, statuses?: string[]): GenericRecord[] {
  const messages = held.collection('campaign-message');
  return [...held.collection('campaign').values()].filter(
    (c) =>
      (c.relationships['campaign-messages'] ?? []).some(
        (id) => messages.get(id)?.attributes.definition?.channel === channel,
      ) &&
      (!statuses || statuses.includes(c.attributes.status)),
  );
}
const ids = (records: { id: string }[]) => records.map((r) => r.id).sort();

describe('campaigns resource', () => {
  it('lists every campaign of a channel, and only those', async () => {
    for (const channel of ['email', 'sms'] as const) {
      const listed = await collect(campaigns.list(channel));
      expect(listed.length).toBeGreaterThan(0);
      expect(ids(listed)).toEqual(ids(heldCampaigns(channel)));
    }
    expect(await collect(campaigns.list('mobile_push'))).toEqual([]);
  });

  it('requires the channel, because get_campaigns rejects a listing without one', async () => {
    expectTypeOf(campaigns.list).parameter(0).toEqualTypeOf<CampaignChannel>();
    const error = await client
      .call('get_campaigns', { query: { filter: buildFilter(equals('status', 'Sent')) } })
      .catch((e: unknown) => e);
    expect(error).toMatchObject({ status: 400, code: 'invalid', parameter: 'filter' });
  });

  it('filters by one status or by several', async () => {
    const sent = await collect(campaigns.list('email', { status: 'Sent' }));
    expect(sent.length).toBeGreaterThan(1);
    expect(sent.every((c) => c.attributes.status === 'Sent')).toBe(true);
    expect(ids(sent)).toEqual(ids(heldCampaigns('email', ['Sent'])));

    const upcoming = await collect(campaigns.list('email', { status: ['Draft', 'Scheduled'] }));
    expect(new Set(upcoming.map((c) => c.attributes.status))).toEqual(new Set(['Draft', 'Scheduled']));
    expect(ids(upcoming)).toEqual(ids(heldCampaigns('email', ['Draft', 'Scheduled'])));
  });

  it('follows the cursor across pages', async () => {
    const before = (await emu.inspect()).requests.get_campaigns ?? 0;
    const paged = await collect(campaigns.list('email', { pageSize: 2 }));
    const all = heldCampaigns('email');
    expect(ids(paged)).toEqual(ids(all));
    expect(new Set(paged.map((c) => c.id)).size).toBe(paged.length);
    const pages = (await emu.inspect()).requests.get_campaigns - before;
    expect(pages).toBe(Math.ceil(all.length / 2));
  });

  it('gets a campaign with its messages, in the campaign order', async () => {
    const [record] = heldCampaigns('sms', ['Sent']);
    if (!record) throw new Error('The seed has no sent SMS campaign.');
    const { campaign, messages } = await campaigns.get(record.id);
    expect(campaign.id).toBe(record.id);
    expect(campaign.attributes.name).toBe(record.attributes.name);
    expect(campaign.attributes.status).toBe('Sent');
    expect(messages.map((m) => m.id)).toEqual(record.relationships['campaign-messages']);
    expect(messages.length).toBeGreaterThan(0);
    for (const message of messages) {
      expect(message.type).toBe('campaign-message');
      expect(message.attributes.definition?.channel).toBe('sms');
      expect(message.relationships?.campaign?.data?.id).toBe(record.id);
    }
  });

  it('answers an unknown campaign with a typed 404', async () => {
    const error = await campaigns.get('01NOPE0000000000000000000').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(KlaviyoApiError);
    expect(error).toMatchObject({ status: 404, code: 'not_found', operation: 'get_campaign' });
  });
});
