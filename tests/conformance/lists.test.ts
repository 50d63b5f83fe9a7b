import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Account } from '../../emulator/store/account.js';
import { type TestEmulator, withEmulator } from '../support/emulator.js';
import { sdkFailure, sdkFor } from '../support/sdk.js';

let emu: TestEmulator;
let sdk: ReturnType<typeof sdkFor>;

// create_list allows 10/s and 150/d; these tests create many lists, so limits are off here
// (rate limiting has its own tests).
withEmulator({ rateLimits: false }, (started) => {
  emu = started;
  sdk = sdkFor(started);
});

async function createList(name: string, optInProcess?: string) {
  const created = await sdk.lists.createList({
    data: { type: 'list', attributes: { name, ...(optInProcess ? { optInProcess } : {}) } },
  } as never);
  return created.body.data;
}

async function createProfile(email: string) {
  const created = await sdk.profiles.createProfile({
    data: { type: 'profile', attributes: { email } },
  } as never);
  return created.body.data.id as string;
}

const members = (ids: string[]) => ({ data: ids.map((id) => ({ type: 'profile', id })) }) as never;

describe('list CRUD through the official SDK', () => {
  it('creates a list with the account default opt-in and reads it back with profile_count', async () => {
    const created = await createList('Spring Launch');
    expect(created.attributes).toMatchObject({ name: 'Spring Launch', optInProcess: 'single_opt_in' });
    expect(created.id).toMatch(/^[A-Za-z0-9]{6}$/);

    const fetched = await sdk.lists.getList(created.id, { additionalFieldsList: ['profile_count'] });
    expect(fetched.body.data.attributes).toMatchObject({ name: 'Spring Launch', profileCount: 0 });
    expect(fetched.body.data.attributes.created).toBeInstanceOf(Date);
  });

  it('keeps an explicit double opt-in and renames a list with update_list', async () => {
    const list = await createList('Drafts', 'double_opt_in');
    const updated = await sdk.lists.updateList(list.id, {
      data: { type: 'list', id: list.id, attributes: { name: 'Drafts (renamed)' } },
    } as never);
    expect(updated.body.data.attributes).toMatchObject({
      name: 'Drafts (renamed)',
      optInProcess: 'double_opt_in',
    });
    const fetched = await emu.api(`/api/lists/${list.id}`);
    expect(fetched.body.data.attributes.name).toBe('Drafts (renamed)');
  });

  it('rejects an empty list name with a pointer to it', async () => {
    const error = await sdkFailure(
      sdk.lists.createList({ data: { type: 'list', attributes: { name: '  ' } } } as never),
    );
    expect(error).toMatchObject({
      status: 400,
      errors: [{ code: 'invalid', source: { pointer: '/data/attributes/name' } }],
    });
  });

  it('deletes a list; reading it afterwards is a 404', async () => {
    const list = await createList('Temporary');
    expect((await sdk.lists.deleteList(list.id)).response.status).toBe(204);
    const error = await sdkFailure(sdk.lists.getList(list.id));
    expect(error).toMatchObject({ status: 404, errors: [{ code: 'not_found' }] });
  });

  it('answers 404 for unknown list ids on every list path', async () => {
    for (const call of [
      () => sdk.lists.getList('nope00'),
      () => sdk.lists.updateList('nope00', { data: { type: 'list', id: 'nope00', attributes: {} } } as never),
      () => sdk.lists.deleteList('nope00'),
      () => sdk.lists.getProfilesForList('nope00'),
      () => sdk.lists.getProfileIdsForList('nope00'),
      () => sdk.lists.addProfilesToList('nope00', members([])),
      () => sdk.lists.removeProfilesFromList('nope00', members([])),
    ]) {
      expect(await sdkFailure(call())).toMatchObject({ status: 404, errors: [{ code: 'not_found' }] });
    }
  });

  it('answers include=tags with empty linkage and links profiles to their endpoint', async () => {
    const list = await createList('With includes');
    const body = (await emu.api(`/api/lists/${list.id}?include=tags,flow-triggers`)).body;
    expect(body.data.relationships.tags.data).toEqual([]);
    expect(body.data.relationships['flow-triggers'].data).toEqual([]);
    expect(body.included).toBeUndefined();
    expect(body.data.relationships.profiles.links.related).toMatch(
      new RegExp(`/api/lists/${list.id}/profiles/$`),
    );
  });

  it('includes the flows a list triggers', async () => {
    const list = await createList('Welcome series trigger');
    const account = emu.emulator.accounts.get(emu.account.id) as Account;
    // A list-triggered flow as handlers/flows.ts stores it: the trigger is `relationships.list`.
    account.collection('flow').set('FlowW1', {
      id: 'FlowW1',
      attributes: {
        name: 'Welcome Series',
        status: 'live',
        archived: false,
        created: '2026-01-01T00:00:00+00:00',
        updated: '2026-01-01T00:00:00+00:00',
        trigger_type: 'Added to List',
      },
      relationships: { 'flow-actions': [], tags: [], list: [list.id] },
      createdMs: 0,
      updatedMs: 0,
    });
    const one = await sdk.lists.getList(list.id, { include: ['flow-triggers'] });
    expect(one.body.data.relationships?.flowTriggers?.data).toEqual([{ type: 'flow', id: 'FlowW1' }]);
    expect(one.body.included?.map((r) => [r.type, r.id])).toEqual([['flow', 'FlowW1']]);
    const page = await sdk.lists.getLists({ filter: `equals(id,"${list.id}")`, include: ['flow-triggers'] });
    expect(page.body.included?.map((r) => r.id)).toEqual(['FlowW1']);
  });
});

describe('get_lists paging, filtering and sorting', () => {
  let ids: string[] = [];

  beforeAll(async () => {
    ids = [];
    for (let i = 0; i < 12; i++) ids.push((await createList(`Paging ${String(i).padStart(2, '0')}`)).id);
  });

  it('pages 10 at a time (the spec maximum) with a full-URL next link', async () => {
    const first = await sdk.lists.getLists({ filter: `any(id,${JSON.stringify(ids)})` });
    expect(first.body.data).toHaveLength(10);
    expect(first.body.links?.next).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/api\/lists\?.*page%5Bcursor%5D=/);
    const second = await sdk.lists.getLists({
      filter: `any(id,${JSON.stringify(ids)})`,
      pageCursor: first.body.links?.next,
    });
    expect(second.body.data).toHaveLength(2);
    expect(second.body.links?.next).toBeUndefined();
    const seen = [...first.body.data, ...second.body.data].map((l) => l.id);
    expect(new Set(seen)).toEqual(new Set(ids));
  });

  it('rejects page[size] above 10', async () => {
    const error = await sdkFailure(sdk.lists.getLists({ pageSize: 11 }));
    expect(error).toMatchObject({ status: 400, errors: [{ source: { parameter: 'page[size]' } }] });
  });

  it('filters by name with equals and a list value, as the spec example does', async () => {
    const found = await sdk.lists.getLists({ filter: 'equals(name,["Paging 03"])' });
    expect(found.body.data.map((l) => l.id)).toEqual([ids[3]]);
  });

  it('filters by created with greater-than', async () => {
    const later = await sdk.lists.getLists({ filter: 'greater-than(created,2100-01-01T00:00:00Z)' });
    expect(later.body.data).toEqual([]);
    const earlier = await sdk.lists.getLists({ filter: 'greater-than(created,2000-01-01T00:00:00Z)' });
    expect(earlier.body.data.length).toBeGreaterThan(0);
  });

  it('rejects a filter field the endpoint does not allow', async () => {
    const error = await sdkFailure(sdk.lists.getLists({ filter: 'equals(opt_in_process,"single_opt_in")' }));
    expect(error).toMatchObject({
      status: 400,
      errors: [{ code: 'invalid', source: { parameter: 'filter' } }],
    });
  });

  it('sorts by name descending', async () => {
    const sorted = await sdk.lists.getLists({ filter: `any(id,${JSON.stringify(ids)})`, sort: '-name' });
    const names = sorted.body.data.map((l) => l.attributes.name);
    expect(names[0]).toBe('Paging 11');
    expect(names).toEqual([...names].sort().reverse());
  });
});

// Tests run shuffled, so the shared list below is only read (or re-added to idempotently); tests
// that change membership make their own list.
describe('list membership', () => {
  let listId: string;
  let profiles: string[];

  beforeAll(async () => {
    await emu.clock({ freezeAt: '2026-03-01T12:00:00Z' });
    listId = (await createList('Members')).id;
    profiles = [];
    for (let i = 0; i < 4; i++) profiles.push(await createProfile(`member${i}@example.com`));
    // Two join now, two join an hour later, so joined_group_at differs.
    await sdk.lists.addProfilesToList(listId, members(profiles.slice(0, 2)));
    await emu.clock({ advanceMs: 3_600_000 });
    await sdk.lists.addProfilesToList(listId, members(profiles.slice(2)));
  });
  afterAll(async () => {
    await emu.clock({ release: true });
  });

  it('lists members with joined_group_at and counts them', async () => {
    const page = await sdk.lists.getProfilesForList(listId);
    expect(page.body.data.map((p) => p.id)).toEqual(profiles);
    expect(page.body.data[0]?.attributes.joinedGroupAt?.toISOString()).toBe('2026-03-01T12:00:00.000Z');
    expect(page.body.data[3]?.attributes.joinedGroupAt?.toISOString()).toBe('2026-03-01T13:00:00.000Z');
    const list = await sdk.lists.getList(listId, { additionalFieldsList: ['profile_count'] });
    expect(list.body.data.attributes.profileCount).toBe(4);
  });

  it('keeps the first join time when a member is added again', async () => {
    await sdk.lists.addProfilesToList(listId, members([profiles[0] as string]));
    const page = await sdk.lists.getProfilesForList(listId, {
      filter: 'equals(email,["member0@example.com"])',
    });
    expect(page.body.data[0]?.attributes.joinedGroupAt?.toISOString()).toBe('2026-03-01T12:00:00.000Z');
  });

  it('filters and sorts members by joined_group_at', async () => {
    const later = await sdk.lists.getProfileIdsForList(listId, {
      filter: 'greater-than(joined_group_at,2026-03-01T12:30:00Z)',
    });
    expect(later.body.data).toEqual([
      { type: 'profile', id: profiles[2] },
      { type: 'profile', id: profiles[3] },
    ]);
    const newestFirst = await sdk.lists.getProfilesForList(listId, { sort: '-joined_group_at' });
    const joined = newestFirst.body.data.map((p) => p.attributes.joinedGroupAt?.getTime() ?? 0);
    expect(joined).toEqual([...joined].sort((a, b) => b - a));
    expect(joined[0]).toBeGreaterThan(joined[3] ?? 0);
  });

  it('filters members by email with any', async () => {
    const found = await sdk.lists.getProfilesForList(listId, {
      filter: 'any(email,["member1@example.com","member3@example.com","nobody@example.com"])',
    });
    expect(found.body.data.map((p) => p.attributes.email)).toEqual([
      'member1@example.com',
      'member3@example.com',
    ]);
  });

  it('pages member ids with page[size]', async () => {
    const first = await sdk.lists.getProfileIdsForList(listId, { pageSize: 3 });
    expect(first.body.data).toHaveLength(3);
    const rest = await sdk.lists.getProfileIdsForList(listId, {
      pageSize: 3,
      pageCursor: first.body.links?.next,
    });
    expect(rest.body.data.map((r) => r.id)).toEqual([profiles[3]]);
  });

  it('rejects a member filter field the endpoint does not allow', async () => {
    const error = await sdkFailure(
      sdk.lists.getProfilesForList(listId, { filter: 'equals(first_name,"Ann")' }),
    );
    expect(error).toMatchObject({ status: 400, errors: [{ source: { parameter: 'filter' } }] });
  });

  it("shows the profile's lists and list ids", async () => {
    const lists = await sdk.profiles.getListsForProfile(profiles[0] as string);
    expect(lists.body.data.map((l) => l.id)).toEqual([listId]);
    expect(lists.body.data[0]?.attributes.name).toBe('Members');
    const ids = await sdk.profiles.getListIdsForProfile(profiles[0] as string);
    expect(ids.body.data).toEqual([{ type: 'list', id: listId }]);
    const error = await sdkFailure(sdk.profiles.getListsForProfile('01NOPE0000000000000000000'));
    expect(error).toMatchObject({ status: 404 });
  });

  it('removes members with a DELETE body, leaving consent as it was', async () => {
    const list = await createList('Removal');
    const trio = [
      await createProfile('stay1@example.com'),
      await createProfile('leave@example.com'),
      await createProfile('stay2@example.com'),
    ];
    await sdk.lists.addProfilesToList(list.id, members(trio));
    const removed = await sdk.lists.removeProfilesFromList(list.id, members([trio[1] as string]));
    expect(removed.response.status).toBe(204);
    const ids = await sdk.lists.getProfileIdsForList(list.id);
    expect(ids.body.data.map((r) => r.id)).toEqual([trio[0], trio[2]]);
    const profile = await sdk.profiles.getProfile(trio[1] as string, {
      additionalFieldsProfile: ['subscriptions'],
    });
    expect(profile.body.data.attributes.subscriptions?.email?.marketing?.consent).toBe('NEVER_SUBSCRIBED');
  });

  it('rejects more than 1000 profiles in one add or remove call', async () => {
    const many = Array.from({ length: 1001 }, () => profiles[0] as string);
    for (const call of [
      () => sdk.lists.addProfilesToList(listId, members(many)),
      () => sdk.lists.removeProfilesFromList(listId, members(many)),
    ]) {
      expect(await sdkFailure(call())).toMatchObject({
        status: 400,
        errors: [{ code: 'invalid', source: { pointer: '/data' } }],
      });
    }
  });

  it('rejects an unknown profile id, naming it, and adds nobody', async () => {
    const fresh = await createProfile('not-added@example.com');
    const error = await sdkFailure(
      sdk.lists.addProfilesToList(listId, members([fresh, '01NOPE0000000000000000000'])),
    );
    expect(error.status).toBe(400);
    expect(error.errors[0]).toMatchObject({ source: { pointer: '/data/1/id' } });
    expect(error.errors[0].detail).toContain('01NOPE0000000000000000000');
    const ids = await sdk.lists.getProfileIdsForList(listId);
    expect(ids.body.data.map((r) => r.id)).not.toContain(fresh);
  });
});
