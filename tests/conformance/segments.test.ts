import { describe, expect, it } from 'vitest';
import { seedAudience } from '../../emulator/seed/audience.js';
import { seededRandom } from '../../emulator/seed/random.js';
import type { Account } from '../../emulator/store/account.js';
import { type TestEmulator, withEmulator } from '../support/emulator.js';
import { sdkFailure, sdkFor } from '../support/sdk.js';

let emu: TestEmulator;
let sdk: ReturnType<typeof sdkFor>;
let account: Account;
const segmentIds: Record<string, string> = {};

// Segments are read-only here, so the account gets the demo audience directly (its six segments
// and their members) rather than the whole demo store, keeping these tests independent of it.
withEmulator({ rateLimits: false }, (started) => {
  emu = started;
  sdk = sdkFor(started);
  account = emu.emulator.accounts.get(emu.account.id) as Account;
  seedAudience(account, seededRandom(7));
  for (const s of account.segments.values()) segmentIds[s.attributes.name] = s.id;
});

/** Every member id of a segment, following links.next 100 at a time. */
async function allMemberIds(id: string): Promise<string[]> {
  const ids: string[] = [];
  let cursor: string | undefined;
  do {
    const page = await sdk.segments.getProfileIdsForSegment(id, { pageSize: 100, pageCursor: cursor });
    ids.push(...page.body.data.map((r) => r.id));
    cursor = page.body.links?.next;
  } while (cursor);
  return ids;
}

describe('get_segments', () => {
  it('returns the six demo segments, 10 per page at most', async () => {
    const all = await sdk.segments.getSegments();
    expect(all.body.data.map((s) => s.attributes.name).sort()).toEqual(Object.keys(segmentIds).sort());
    expect(all.body.data).toHaveLength(6);
    expect(all.body.data[0]?.attributes).toMatchObject({ isActive: true, isProcessing: false });
    const error = await sdkFailure(sdk.segments.getSegments({ pageSize: 11 }));
    expect(error).toMatchObject({ status: 400, errors: [{ source: { parameter: 'page[size]' } }] });
  });

  it('pages with page[size] and a full-URL cursor', async () => {
    const first = await sdk.segments.getSegments({ pageSize: 4, sort: 'name' });
    expect(first.body.data).toHaveLength(4);
    const second = await sdk.segments.getSegments({
      pageSize: 4,
      sort: 'name',
      pageCursor: first.body.links?.next,
    });
    expect(second.body.data).toHaveLength(2);
    const names = [...first.body.data, ...second.body.data].map((s) => s.attributes.name);
    expect(names).toEqual(Object.keys(segmentIds).sort());
  });

  it('filters by name, id, is_starred and is_active', async () => {
    const byName = await sdk.segments.getSegments({ filter: 'equals(name,["Repeat Buyers"])' });
    expect(byName.body.data.map((s) => s.id)).toEqual([segmentIds['Repeat Buyers']]);
    const wanted = [segmentIds['High AOV (over $150)'], segmentIds['At-risk Customers']];
    const byId = await sdk.segments.getSegments({ filter: `any(id,${JSON.stringify(wanted)})` });
    expect(byId.body.data.map((s) => s.id).sort()).toEqual([...wanted].sort());
    const starred = await sdk.segments.getSegments({ filter: 'equals(is_starred,true)' });
    expect(starred.body.data.map((s) => s.attributes.name).sort()).toEqual([
      'Engaged (30 days)',
      'Repeat Buyers',
    ]);
    const inactive = await sdk.segments.getSegments({ filter: 'equals(is_active,false)' });
    expect(inactive.body.data).toEqual([]);
  });

  it('rejects a filter field the endpoint does not allow', async () => {
    const error = await sdkFailure(sdk.segments.getSegments({ filter: 'equals(is_processing,false)' }));
    expect(error).toMatchObject({
      status: 400,
      errors: [{ code: 'invalid', source: { parameter: 'filter' } }],
    });
  });

  it('returns definitions shaped like the spec', async () => {
    const id = segmentIds['At-risk Customers'] as string;
    const raw = await emu.api(`/api/segments/${id}`);
    const groups = raw.body.data.attributes.definition.condition_groups;
    expect(groups).toHaveLength(2);
    expect(groups[1].conditions[0]).toMatchObject({
      type: 'profile-metric',
      measurement: 'count',
      measurement_filter: { type: 'numeric', operator: 'equals', value: 0 },
      timeframe_filter: { type: 'date', operator: 'in-the-last', unit: 'day', quantity: 90 },
    });
    const metric = await sdk.metrics.getMetric(groups[1].conditions[0].metric_id);
    expect(metric.body.data.attributes.name).toBe('Placed Order');
  });
});

describe('get_segment and its members', () => {
  it('counts members with profile_count, matching the member listing', async () => {
    const id = segmentIds['Repeat Buyers'] as string;
    const segment = await sdk.segments.getSegment(id, { additionalFieldsSegment: ['profile_count'] });
    const ids = await allMemberIds(id);
    expect(ids.length).toBeGreaterThan(100);
    expect(segment.body.data.attributes.profileCount).toBe(ids.length);
    expect(new Set(ids).size).toBe(ids.length);
  });

  it('lists member profiles with joined_group_at, sortable newest first', async () => {
    const id = segmentIds['Engaged (30 days)'] as string;
    const page = await sdk.segments.getProfilesForSegment(id, { sort: '-joined_group_at', pageSize: 50 });
    const joined = page.body.data.map((p) => p.attributes.joinedGroupAt.getTime());
    expect(joined).toEqual([...joined].sort((a, b) => b - a));
    const monthAgo = Date.now() - 31 * 86_400_000;
    expect(joined.every((t) => t > monthAgo)).toBe(true);
  });

  it('filters members by profile_id and joined_group_at', async () => {
    const id = segmentIds['Repeat Buyers'] as string;
    const some = (await allMemberIds(id)).slice(0, 3);
    const byId = await sdk.segments.getProfileIdsForSegment(id, {
      filter: `any(profile_id,${JSON.stringify([...some, '01NOTAMEMBER000000000000000'])})`,
    });
    expect(byId.body.data.map((r) => r.id).sort()).toEqual([...some].sort());
    const segment = account.segments.get(id);
    const beforeCreated = await sdk.segments.getProfileIdsForSegment(id, {
      filter: `less-than(joined_group_at,${segment?.attributes.created})`,
    });
    expect(beforeCreated.body.data).toEqual([]);
  });

  it('rejects a member filter the endpoint does not allow', async () => {
    const id = segmentIds['Repeat Buyers'] as string;
    const error = await sdkFailure(
      sdk.segments.getProfilesForSegment(id, { filter: 'equals(external_id,["x"])' }),
    );
    expect(error).toMatchObject({ status: 400, errors: [{ source: { parameter: 'filter' } }] });
  });

  it('answers include=tags,flow-triggers with empty linkage', async () => {
    const id = segmentIds['Repeat Buyers'] as string;
    const body = (await emu.api(`/api/segments/${id}?include=tags,flow-triggers`)).body;
    expect(body.data.relationships.tags.data).toEqual([]);
    expect(body.data.relationships['flow-triggers'].data).toEqual([]);
  });

  it('answers 404 for an unknown segment', async () => {
    for (const call of [
      sdk.segments.getSegment('nope00'),
      sdk.segments.getProfilesForSegment('nope00'),
      sdk.segments.getProfileIdsForSegment('nope00'),
    ]) {
      expect(await sdkFailure(call)).toMatchObject({ status: 404, errors: [{ code: 'not_found' }] });
    }
  });
});

describe("a profile's segments", () => {
  it('lists exactly the segments the profile is a member of', async () => {
    const repeat = account.segments.get(segmentIds['Repeat Buyers'] as string);
    const profileId = [...(repeat?.members.keys() ?? [])][0] as string;
    const expected = [...account.segments.values()].filter((s) => s.members.has(profileId)).map((s) => s.id);
    const segments = await sdk.profiles.getSegmentsForProfile(profileId);
    expect(segments.body.data.map((s) => s.id).sort()).toEqual(expected.sort());
    expect(segments.body.data.map((s) => s.attributes.name)).toContain('Repeat Buyers');
    const ids = await sdk.profiles.getSegmentIdsForProfile(profileId);
    expect(ids.body.data.map((r) => r.id).sort()).toEqual(expected.sort());
    expect(ids.body.data.every((r) => r.type === 'segment')).toBe(true);
  });

  it('includes segments and lists on get_profile and shows seeded consent', async () => {
    const newsletter = [...account.lists.values()].find((l) => l.attributes.name === 'Newsletter');
    const profileId = [...(newsletter?.members.keys() ?? [])][0] as string;
    const profile = await sdk.profiles.getProfile(profileId, {
      include: ['lists', 'segments'],
      additionalFieldsProfile: ['subscriptions'],
    });
    expect(profile.body.data.relationships?.lists?.data?.map((l) => l.id)).toContain(newsletter?.id);
    expect(profile.body.data.attributes.subscriptions?.email?.marketing?.consent).toBe('SUBSCRIBED');
  });

  it('answers 404 for an unknown profile', async () => {
    expect(await sdkFailure(sdk.profiles.getSegmentsForProfile('01NOPE0000000000000000000'))).toMatchObject({
      status: 404,
    });
    expect(await sdkFailure(sdk.profiles.getSegmentIdsForProfile('01NOPE0000000000000000000'))).toMatchObject(
      {
        status: 404,
      },
    );
  });
});
