import { describe, expect, it } from 'vitest';
import { type TestEmulator, withEmulator } from '../support/emulator.js';
import { sdkFailure, sdkFor } from '../support/sdk.js';

let emu: TestEmulator;
let sdk: ReturnType<typeof sdkFor>;

// create_segment and update_segment allow 1/s, 15/m and 100/d; limits are off for these tests.
withEmulator({ rateLimits: false }, (started) => {
  emu = started;
  sdk = sdkFor(started);
});

async function createProfile(email: string, properties: Record<string, unknown> = {}) {
  const created = await sdk.profiles.createProfile({
    data: { type: 'profile', attributes: { email, properties } },
  } as never);
  return created.body.data.id as string;
}

/** A one-group definition (its conditions ORed), in the SDK's camelCase. */
const anyOf = (...conditions: object[]) => ({ conditionGroups: [{ conditions }] });

const tierIs = (tier: string) => ({
  type: 'profile-property',
  property: `properties['Tier']`,
  filter: { type: 'string', operator: 'equals', value: tier },
});

async function createSegment(name: string, definition: object, extra: object = {}) {
  const created = await sdk.segments.createSegment({
    data: { type: 'segment', attributes: { name, definition, ...extra } },
  } as never);
  return created.body.data;
}

async function memberIds(segmentId: string) {
  const page = await sdk.segments.getProfileIdsForSegment(segmentId, { pageSize: 100 });
  return page.body.data.map((r) => r.id).sort();
}

describe('create_segment', () => {
  it('creates a segment whose members are the profiles its definition matches', async () => {
    const gold = await createProfile('gold1@example.com', { Tier: 'gold-a' });
    await createProfile('silver1@example.com', { Tier: 'silver-a' });
    const segment = await createSegment('Gold (a)', anyOf(tierIs('gold-a')), { isStarred: true });
    expect(segment.attributes).toMatchObject({
      name: 'Gold (a)',
      isActive: true,
      isProcessing: false,
      isStarred: true,
    });
    expect(await memberIds(segment.id)).toEqual([gold]);
    const fetched = await sdk.segments.getSegment(segment.id, { additionalFieldsSegment: ['profile_count'] });
    expect(fetched.body.data.attributes.profileCount).toBe(1);
    const raw = await emu.api(`/api/segments/${segment.id}`);
    expect(raw.body.data.attributes.definition).toEqual({
      condition_groups: [
        {
          conditions: [
            {
              type: 'profile-property',
              property: "properties['Tier']",
              filter: { type: 'string', operator: 'equals', value: 'gold-a' },
            },
          ],
        },
      ],
    });
  });

  it('keeps membership live: a profile that comes to match joins, with its join time', async () => {
    const segment = await createSegment('Gold (b)', anyOf(tierIs('gold-b')));
    expect(await memberIds(segment.id)).toEqual([]);
    const later = await createProfile('gold2@example.com', { Tier: 'gold-b' });
    expect(await memberIds(segment.id)).toEqual([later]);
    const members = await sdk.segments.getProfilesForSegment(segment.id);
    expect(members.body.data[0]?.attributes.joinedGroupAt.getTime()).toBeGreaterThanOrEqual(
      segment.attributes.created?.getTime() ?? 0,
    );
    const forProfile = await sdk.profiles.getSegmentIdsForProfile(later);
    expect(forProfile.body.data).toEqual([{ type: 'segment', id: segment.id }]);
  });

  it('ANDs condition groups: list members who can receive email', async () => {
    const list = await sdk.lists.createList({
      data: { type: 'list', attributes: { name: 'Seg source' } },
    } as never);
    const listId = list.body.data.id;
    const subscribed = 'in-list-subscribed@example.com';
    await sdk.profiles.bulkSubscribeProfiles({
      data: {
        type: 'profile-subscription-bulk-create-job',
        attributes: {
          profiles: {
            data: [
              {
                type: 'profile',
                attributes: {
                  email: subscribed,
                  subscriptions: { email: { marketing: { consent: 'SUBSCRIBED' } } },
                },
              },
            ],
          },
        },
        relationships: { list: { data: { type: 'list', id: listId } } },
      },
    } as never);
    await emu.settle();
    const unconsented = await createProfile('in-list-only@example.com');
    await sdk.lists.addProfilesToList(listId, { data: [{ type: 'profile', id: unconsented }] } as never);

    const segment = await createSegment('Reachable list members', {
      conditionGroups: [
        { conditions: [{ type: 'profile-group-membership', isMember: true, groupIds: [listId] }] },
        {
          conditions: [
            {
              type: 'profile-marketing-consent',
              consent: {
                channel: 'email',
                canReceiveMarketing: true,
                consentStatus: { subscription: 'subscribed' },
              },
            },
          ],
        },
      ],
    });
    const members = await sdk.segments.getProfilesForSegment(segment.id);
    expect(members.body.data.map((p) => p.attributes.email)).toEqual([subscribed]);
  });

  it('counts and sums metric events in a timeframe', async () => {
    const order = (email: string, id: string, value: number) =>
      sdk.events.createEvent({
        data: {
          type: 'event',
          attributes: {
            properties: {},
            value,
            uniqueId: id,
            metric: { data: { type: 'metric', attributes: { name: 'Placed Order' } } },
            profile: { data: { type: 'profile', attributes: { email } } },
          },
        },
      } as never);
    await order('twice@example.com', 'o-1', 40);
    await order('twice@example.com', 'o-2', 80);
    await order('once-big@example.com', 'o-3', 300);
    const metrics = await sdk.metrics.getMetrics();
    const placed = metrics.body.data.find((m) => m.attributes.name === 'Placed Order')?.id as string;
    const lastMonth = { type: 'date', operator: 'in-the-last', unit: 'day', quantity: 30 };
    const twice = await createSegment(
      'Ordered twice this month',
      anyOf({
        type: 'profile-metric',
        metricId: placed,
        measurement: 'count',
        measurementFilter: { type: 'numeric', operator: 'greater-than', value: 1.5 },
        timeframeFilter: lastMonth,
      }),
    );
    const big = await createSegment(
      'Spent over $250 this month',
      anyOf({
        type: 'profile-metric',
        metricId: placed,
        measurement: 'sum',
        measurementFilter: { type: 'numeric', operator: 'greater-than', value: 250.5 },
        timeframeFilter: lastMonth,
      }),
    );
    const emails = async (id: string) =>
      (await sdk.segments.getProfilesForSegment(id)).body.data.map((p) => p.attributes.email);
    expect(await emails(twice.id)).toEqual(['twice@example.com']);
    expect(await emails(big.id)).toEqual(['once-big@example.com']);
  });

  it('rejects definitions that name unknown lists or metrics', async () => {
    const unknownGroup = await sdkFailure(
      sdk.segments.createSegment({
        data: {
          type: 'segment',
          attributes: {
            name: 'Broken',
            definition: anyOf({ type: 'profile-group-membership', isMember: true, groupIds: ['nope00'] }),
          },
        },
      } as never),
    );
    expect(unknownGroup).toMatchObject({
      status: 400,
      errors: [
        { source: { pointer: '/data/attributes/definition/condition_groups/0/conditions/0/group_ids' } },
      ],
    });
    const unknownMetric = await sdkFailure(
      sdk.segments.createSegment({
        data: {
          type: 'segment',
          attributes: {
            name: 'Broken',
            definition: anyOf({
              type: 'profile-metric',
              metricId: 'NoSuch',
              measurement: 'count',
              measurementFilter: { type: 'numeric', operator: 'greater-than', value: 0.5 },
              timeframeFilter: { type: 'date', operator: 'alltime' },
            }),
          },
        },
      } as never),
    );
    expect(unknownMetric.errors[0]).toMatchObject({
      source: { pointer: '/data/attributes/definition/condition_groups/0/conditions/0/metric_id' },
    });
  });
});

describe('update_segment and delete_segment', () => {
  it('renames, stars and redefines a segment', async () => {
    await createProfile('plat@example.com', { Tier: 'platinum-c' });
    const segment = await createSegment('Gold (c)', anyOf(tierIs('gold-c')));
    const updated = await sdk.segments.updateSegment(segment.id, {
      data: {
        type: 'segment',
        id: segment.id,
        attributes: { name: 'Platinum (c)', isStarred: true, definition: anyOf(tierIs('platinum-c')) },
      },
    } as never);
    expect(updated.body.data.attributes).toMatchObject({ name: 'Platinum (c)', isStarred: true });
    const members = await sdk.segments.getProfilesForSegment(segment.id);
    expect(members.body.data.map((p) => p.attributes.email)).toEqual(['plat@example.com']);
  });

  it('deactivates only on its own, and an inactive segment stops gaining members', async () => {
    const segment = await createSegment('Gold (d)', anyOf(tierIs('gold-d')));
    const mixed = await sdkFailure(
      sdk.segments.updateSegment(segment.id, {
        data: { type: 'segment', id: segment.id, attributes: { isActive: false, name: 'Renamed' } },
      } as never),
    );
    expect(mixed).toMatchObject({
      status: 400,
      errors: [{ source: { pointer: '/data/attributes/is_active' } }],
    });
    const off = await sdk.segments.updateSegment(segment.id, {
      data: { type: 'segment', id: segment.id, attributes: { isActive: false } },
    } as never);
    expect(off.body.data.attributes.isActive).toBe(false);
    await createProfile('gold-d@example.com', { Tier: 'gold-d' });
    expect(await memberIds(segment.id)).toEqual([]);
  });

  it('deletes a segment; reading it afterwards is a 404', async () => {
    const segment = await createSegment('Short-lived', anyOf(tierIs('none')));
    expect((await sdk.segments.deleteSegment(segment.id)).response.status).toBe(204);
    expect(await sdkFailure(sdk.segments.getSegment(segment.id))).toMatchObject({ status: 404 });
    expect(await sdkFailure(sdk.segments.deleteSegment(segment.id))).toMatchObject({ status: 404 });
  });
});
