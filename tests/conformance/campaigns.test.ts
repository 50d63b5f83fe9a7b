import { describe, expect, it } from 'vitest';
import { type TestEmulator, withEmulator } from '../support/emulator.js';
import { sdkFailure, sdkFor } from '../support/sdk.js';

let emu: TestEmulator;
let sdk: ReturnType<typeof sdkFor>;

withEmulator({ seed: true }, async (started) => {
  emu = started;
  sdk = sdkFor(started);
  // These tests make more calls per second than the 10/s campaigns limit allows.
  await emu.setRateLimits(false);
});

const EMAIL = "equals(messages.channel,'email')";
const SMS = "equals(messages.channel,'sms')";

const newCampaign = (name: string, channels: string[] = ['email'], included: string[] = []) => ({
  data: {
    type: 'campaign',
    attributes: {
      name,
      audiences: { included },
      'campaign-messages': {
        data: channels.map((channel) => ({
          type: 'campaign-message',
          attributes: {
            definition:
              channel === 'email'
                ? {
                    channel,
                    content: { subject: 'Hello', from_email: 'shop@example.com', from_label: 'Shop' },
                  }
                : { channel, content: { body: 'Hi from the shop' } },
          },
        })),
      },
    },
  },
});

/**
 * The SDK names the create body's message list `campaignMessages` and an email's sender `fromEmail`
 * and `fromLabel`; on the wire (the raw bodies above) they are `campaign-messages`, `from_email` and
 * `from_label`, and Klaviyo refuses the camelCase names ("'fromEmail' is not a valid field").
 */
const viaSdk = (body: ReturnType<typeof newCampaign>) => {
  const { 'campaign-messages': messages, ...rest } = body.data.attributes;
  const campaignMessages = {
    data: messages.data.map((message) => {
      const {
        from_email: fromEmail,
        from_label: fromLabel,
        ...content
      } = message.attributes.definition.content as Record<string, unknown>;
      const sender = fromEmail === undefined ? {} : { fromEmail, fromLabel };
      return {
        ...message,
        attributes: { definition: { ...message.attributes.definition, content: { ...content, ...sender } } },
      };
    }),
  };
  return { data: { ...body.data, attributes: { ...rest, campaignMessages } } } as never;
};

describe('get_campaigns', () => {
  it('requires the channel filter, with a detail that says so', async () => {
    const res = await emu.api('/api/campaigns');
    expect(res.status).toBe(400);
    expect(res.body.errors[0]).toMatchObject({ code: 'invalid', source: { parameter: 'filter' } });
    expect(res.body.errors[0].detail).toMatch(/channel filter is required/);
    const withoutChannel = await sdkFailure(sdk.campaigns.getCampaigns("equals(status,'Draft')"));
    expect(withoutChannel.status).toBe(400);
    expect(withoutChannel.errors[0].detail).toMatch(/channel filter is required/);
  });

  it('lists only the campaigns of the channel asked for, across statuses', async () => {
    const email = await sdk.campaigns.getCampaigns(EMAIL);
    const statuses = new Set(email.body.data.map((c) => String(c.attributes.status)));
    expect([...statuses].sort()).toEqual(['Cancelled', 'Draft', 'Scheduled', 'Sending', 'Sent']);
    const sms = await sdk.campaigns.getCampaigns(SMS, { include: ['campaign-messages'] });
    expect(sms.body.data.length).toBeGreaterThan(0);
    const channels = (sms.body.included ?? []).map((m: any) => m.attributes.definition.channel);
    expect(new Set(channels)).toEqual(new Set(['sms']));
    const ids = new Set(email.body.data.map((c) => c.id));
    expect(sms.body.data.some((c) => ids.has(c.id))).toBe(false);
  });

  it('filters on status, archived, name and created_at', async () => {
    const sent = await sdk.campaigns.getCampaigns(
      `${EMAIL},any(status,["Sent","Sending"]),equals(archived,false)`,
    );
    expect(sent.body.data.length).toBeGreaterThan(0);
    for (const c of sent.body.data) {
      expect(['Sent', 'Sending']).toContain(String(c.attributes.status));
      expect(c.attributes.archived).toBe(false);
    }
    const named = await sdk.campaigns.getCampaigns(`${EMAIL},contains(name,"Restock")`);
    expect(named.body.data.map((c) => c.attributes.name)).toEqual(['Weekend Restock Alert']);
    const future = new Date(Date.now() + 86_400_000).toISOString();
    const none = await sdk.campaigns.getCampaigns(`${EMAIL},greater-than(created_at,${future})`);
    expect(none.body.data).toEqual([]);
  });

  it('rejects a filter on a field the endpoint does not allow', async () => {
    const error = await sdkFailure(sdk.campaigns.getCampaigns(`${EMAIL},equals(subject,"Hi")`));
    expect(error.status).toBe(400);
    expect(error.errors[0].detail).toMatch(/'subject' is not a valid field/);
  });

  it('rejects a quoted datetime', async () => {
    const error = await sdkFailure(
      sdk.campaigns.getCampaigns(`${EMAIL},greater-than(created_at,"2024-01-01T00:00:00Z")`),
    );
    expect(error.status).toBe(400);
    expect(error.errors[0].detail).toMatch(/must not be quoted/);
  });

  it('sorts and pages with full-URL cursor links', async () => {
    const all = await sdk.campaigns.getCampaigns(EMAIL, { sort: 'name' });
    const names = all.body.data.map((c) => c.attributes.name);
    expect(names).toEqual([...names].sort());
    const first = await sdk.campaigns.getCampaigns(EMAIL, { sort: 'name', pageSize: 3 });
    expect(first.body.data).toHaveLength(3);
    expect(first.body.links?.next).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/api\/campaigns\?.*page%5Bcursor%5D=/);
    const second = await sdk.campaigns.getCampaigns(EMAIL, {
      sort: 'name',
      pageSize: 3,
      pageCursor: first.body.links?.next,
    });
    expect(second.body.data.map((c) => c.attributes.name)).toEqual(names.slice(3, 6));
    const tooBig = await sdkFailure(sdk.campaigns.getCampaigns(EMAIL, { pageSize: 101 }));
    expect(tooBig.status).toBe(400);
  });
});

describe('single campaigns and their messages', () => {
  it('gets a campaign with its messages included, and 404s an unknown id', async () => {
    const list = await sdk.campaigns.getCampaigns(`${EMAIL},equals(status,"Sent")`);
    const campaign = list.body.data[0];
    if (!campaign) throw new Error('no sent campaign in the seed');
    const got = await sdk.campaigns.getCampaign(campaign.id, { include: ['campaign-messages'] });
    expect(got.body.data.attributes.sendTime).toBeInstanceOf(Date);
    const messageIds = (got.body.data.relationships?.campaignMessages?.data ?? []).map((m) => m.id);
    expect(messageIds).toHaveLength(1);
    expect(got.body.included?.map((m: any) => m.id)).toEqual(messageIds);
    const missing = await sdkFailure(sdk.campaigns.getCampaign('01NOPE0000000000000000000X'));
    expect(missing).toMatchObject({ status: 404, errors: [{ code: 'not_found' }] });
  });

  it('serves a campaign message, its campaign and the message ids of a campaign', async () => {
    const list = await sdk.campaigns.getCampaigns(SMS);
    const campaign = list.body.data[0];
    if (!campaign) throw new Error('no sms campaign in the seed');
    const ids = await sdk.campaigns.getMessageIdsForCampaign(campaign.id);
    const messageId = ids.body.data[0]?.id ?? '';
    const messages = await sdk.campaigns.getMessagesForCampaign(campaign.id, { include: ['campaign'] });
    expect(messages.body.data.map((m) => m.id)).toEqual([messageId]);
    expect(messages.body.included?.map((c: any) => c.id)).toEqual([campaign.id]);
    const message = await sdk.campaigns.getCampaignMessage(messageId);
    expect((message.body.data.attributes.definition as any).channel).toBe('sms');
    expect(message.body.data.relationships?.campaign?.data?.id).toBe(campaign.id);
    const parent = await sdk.campaigns.getCampaignForCampaignMessage(messageId);
    expect(parent.body.data?.id).toBe(campaign.id);
    const missing = await sdkFailure(sdk.campaigns.getCampaignMessage('nope'));
    expect(missing.status).toBe(404);
    const noCampaign = await sdkFailure(sdk.campaigns.getMessagesForCampaign('nope'));
    expect(noCampaign.status).toBe(404);
  });
});

describe('creating, updating and deleting campaigns', () => {
  it('creates a draft with Klaviyo defaults and one message', async () => {
    const res = await sdk.campaigns.createCampaign(viaSdk(newCampaign('Launch week')));
    expect(res.response.status).toBe(201);
    const a = res.body.data.attributes;
    expect(a).toMatchObject({ name: 'Launch week', status: 'Draft', archived: false, sendTime: null });
    expect(res.response.data.data.attributes).toMatchObject({
      send_strategy: { method: 'immediate' },
      send_options: { use_smart_sending: true },
      tracking_options: { is_tracking_clicks: true, is_tracking_opens: true },
      audiences: { included: [], excluded: [] },
    });
    const messageId = res.body.data.relationships?.campaignMessages?.data?.[0]?.id ?? '';
    const message = await sdk.campaigns.getCampaignMessage(messageId);
    expect(message.response.data.data.attributes.definition).toMatchObject({
      channel: 'email',
      label: 'Launch week',
      content: { subject: 'Hello', from_email: 'shop@example.com' },
    });
    const listed = await sdk.campaigns.getCampaigns(`${EMAIL},equals(status,"Draft")`);
    expect(listed.body.data.map((c) => c.id)).toContain(res.body.data.id);
  });

  it('rejects unknown audiences and mixed channels', async () => {
    const audience = await emu.api('/api/campaigns', {
      method: 'POST',
      body: newCampaign('Nobody', ['email'], ['NoSuch']),
    });
    expect(audience.status).toBe(400);
    expect(audience.body.errors[0].source).toEqual({ pointer: '/data/attributes/audiences/included/0' });
    const mixed = await emu.api('/api/campaigns', {
      method: 'POST',
      body: newCampaign('Both', ['email', 'sms']),
    });
    expect(mixed.status).toBe(400);
    expect(mixed.body.errors[0].detail).toMatch(/one channel/);
    const missing = await emu.api('/api/campaigns', {
      method: 'POST',
      body: { data: { type: 'campaign', attributes: { name: 'No messages' } } },
    });
    expect(missing.status).toBe(400);
  });

  it('updates a draft, but not a sent campaign', async () => {
    const created = await sdk.campaigns.createCampaign(viaSdk(newCampaign('Rename me', ['sms'])));
    const id = created.body.data.id;
    const updated = await sdk.campaigns.updateCampaign(id, {
      data: {
        type: 'campaign',
        id,
        attributes: {
          name: 'Renamed',
          sendStrategy: { method: 'static', datetime: new Date('2030-01-01T10:00:00Z') },
        },
      },
    } as never);
    expect(updated.body.data.attributes.name).toBe('Renamed');
    expect(updated.response.data.data.attributes.send_strategy).toEqual({
      method: 'static',
      datetime: '2030-01-01T10:00:00.000Z',
    });
    const again = await sdk.campaigns.getCampaign(id);
    expect(again.body.data.attributes.name).toBe('Renamed');
    const sent = (await sdk.campaigns.getCampaigns(`${EMAIL},equals(status,"Sent")`)).body.data[0]?.id ?? '';
    const error = await sdkFailure(
      sdk.campaigns.updateCampaign(sent, {
        data: { type: 'campaign', id: sent, attributes: { name: 'x' } },
      } as never),
    );
    expect(error.status).toBe(400);
    expect(error.errors[0].detail).toMatch(/only a Draft/);
    const mismatch = await emu.api(`/api/campaigns/${id}`, {
      method: 'PATCH',
      body: { data: { type: 'campaign', id: 'other', attributes: { name: 'x' } } },
    });
    expect(mismatch.status).toBe(400);
  });

  it('deletes a campaign and its messages', async () => {
    const created = await sdk.campaigns.createCampaign(viaSdk(newCampaign('Short lived')));
    const id = created.body.data.id;
    const messageId = created.body.data.relationships?.campaignMessages?.data?.[0]?.id ?? '';
    const res = await sdk.campaigns.deleteCampaign(id);
    expect(res.response.status).toBe(204);
    expect((await sdkFailure(sdk.campaigns.getCampaign(id))).status).toBe(404);
    expect((await sdkFailure(sdk.campaigns.getCampaignMessage(messageId))).status).toBe(404);
    expect((await sdkFailure(sdk.campaigns.deleteCampaign(id))).status).toBe(404);
  });
});
