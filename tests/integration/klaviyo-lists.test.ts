import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Account } from '../../emulator/store/account.js';
import { KlaviyoApiError } from '../../lib/klaviyo-next/api/errors.js';
import { equalsAny } from '../../lib/klaviyo-next/api/filter.js';
import { listsResource } from '../../lib/klaviyo-next/api/resources/lists.js';
import { collect } from '../support/collect.js';
import { startTestEmulator, type TestEmulator } from '../support/emulator.js';
import { klaviyoFor } from '../support/klaviyo.js';

let emu: TestEmulator;
let lists: ReturnType<typeof listsResource>;
let account: Account;

beforeAll(async () => {
  emu = await startTestEmulator();
  lists = listsResource(klaviyoFor(emu).client);
  account = emu.emulator.accounts.get(emu.account.id) as Account;
});
afterAll(async () => {
  expect(emu.specViolations).toEqual([]);
  await emu.close();
});

const requests = async (operation: string): Promise<number> => (await emu.inspect()).requests[operation] ?? 0;

/** Profiles made in the emulator's store: setup for membership, not what is under test. */
const makeProfiles = (prefix: string, n: number) =>
  Array.from(
    { length: n },
    (_, i) => account.createProfile({ attributes: { email: `${prefix}${i}@ex.com` } }).id,
  );

describe('lists resource', () => {
  it('creates, gets, renames and deletes a list', async () => {
    const created = await lists.create('VIP', 'double_opt_in');
    expect(created.attributes).toMatchObject({ name: 'VIP', opt_in_process: 'double_opt_in' });
    expect(account.lists.get(created.id)?.attributes.name).toBe('VIP');
    expect((await lists.get(created.id)).attributes.profile_count).toBeUndefined();

    const renamed = await lists.rename(created.id, 'VIP customers');
    expect(renamed.attributes.name).toBe('VIP customers');
    expect(account.lists.get(created.id)?.attributes).toMatchObject({
      name: 'VIP customers',
      opt_in_process: 'double_opt_in',
    });

    await lists.delete(created.id);
    expect(account.lists.has(created.id)).toBe(false);
    const error = await lists.get(created.id).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(KlaviyoApiError);
    expect(error).toMatchObject({ status: 404, code: 'not_found' });
  });

  it('pages through every list 10 at a time, and filters by name', async () => {
    for (let i = 0; i < 12; i++) await lists.create(`Paged ${i}`);
    const before = await requests('get_lists');
    const all = await collect(lists.list());
    expect(all.filter((l) => l.attributes.name?.startsWith('Paged '))).toHaveLength(12);
    expect(all).toHaveLength(account.lists.size);
    expect(await requests('get_lists')).toBe(before + Math.ceil(account.lists.size / 10));

    const named = await collect(lists.list(equalsAny('name', ['Paged 7'])));
    expect(named.map((l) => l.attributes.name)).toEqual(['Paged 7']);
  });

  it('adds 2,500 profiles in 3 calls and reads them back as members and as profile_count', async () => {
    const list = await lists.create('Big list');
    const ids = makeProfiles('big', 2_500);
    const before = await requests('add_profiles_to_list');
    await lists.addProfiles(list.id, [...ids, ...ids.slice(0, 10)]); // duplicates are sent once
    expect(await requests('add_profiles_to_list')).toBe(before + 3);
    expect(account.lists.get(list.id)?.members.size).toBe(2_500);
    expect((await lists.get(list.id, { profileCount: true })).attributes.profile_count).toBe(2_500);

    const members = await collect(lists.members(list.id));
    expect(new Set(members.map((m) => m.id))).toEqual(new Set(ids));
    expect(members[0]?.attributes.joined_group_at).toEqual(expect.any(String));
  });

  it('removes 1,200 profiles in 2 calls, leaving the rest', async () => {
    const list = await lists.create('Shrinking list');
    const ids = makeProfiles('shrink', 1_500);
    await lists.addProfiles(list.id, ids);
    const before = await requests('remove_profiles_from_list');
    await lists.removeProfiles(list.id, ids.slice(0, 1_200));
    expect(await requests('remove_profiles_from_list')).toBe(before + 2);
    expect([...(account.lists.get(list.id)?.members.keys() ?? [])].sort()).toEqual(ids.slice(1_200).sort());
    expect((await collect(lists.members(list.id))).map((m) => m.id).sort()).toEqual(ids.slice(1_200).sort());
  });
});
