import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { seedAudience } from '../../emulator/seed/audience.js';
import { seededRandom } from '../../emulator/seed/random.js';
import type { Account } from '../../emulator/store/account.js';
import { KlaviyoApiError } from '../../lib/klaviyo-next/api/errors.js';
import { equals } from '../../lib/klaviyo-next/api/filter.js';
import { segmentsResource } from '../../lib/klaviyo-next/api/resources/segments.js';
import { collect } from '../support/collect.js';
import { startTestEmulator, type TestEmulator } from '../support/emulator.js';
import { klaviyoFor } from '../support/klaviyo.js';

let emu: TestEmulator;
let segments: ReturnType<typeof segmentsResource>;
let account: Account;

// Segments cannot be created through the API the emulator serves, so the account gets the demo
// audience (six segments with members) plus a copy of each, twelve in all: more than one page.
beforeAll(async () => {
  emu = await startTestEmulator();
  segments = segmentsResource(klaviyoFor(emu).client);
  account = emu.emulator.accounts.get(emu.account.id) as Account;
  seedAudience(account, seededRandom(11));
  for (const segment of [...account.segments.values()]) {
    const id = `${segment.id.slice(0, 5)}Z`;
    const attributes = {
      ...segment.attributes,
      name: `${segment.attributes.name} (copy)`,
      is_starred: false,
    };
    account.segments.set(id, { ...segment, id, attributes, members: new Map(segment.members) });
  }
});
afterAll(async () => {
  expect(emu.specViolations).toEqual([]);
  await emu.close();
});

const requests = async (operation: string): Promise<number> => (await emu.inspect()).requests[operation] ?? 0;

/** The seeded segment with the most members. */
const biggest = () => [...account.segments.values()].sort((a, b) => b.members.size - a.members.size)[0];

describe('segments resource', () => {
  it('lists every segment 10 per page, and filters with the builder', async () => {
    const before = await requests('get_segments');
    const all = await collect(segments.list());
    expect(all.map((s) => s.id).sort()).toEqual([...account.segments.keys()].sort());
    expect(all).toHaveLength(12);
    expect(await requests('get_segments')).toBe(before + 2);

    const starred = await collect(segments.list(equals('is_starred', true)));
    const expected = [...account.segments.values()].filter((s) => s.attributes.is_starred).map((s) => s.id);
    expect(expected.length).toBeGreaterThan(0);
    expect(starred.map((s) => s.id).sort()).toEqual(expected.sort());
  });

  it('gets a segment, with profile_count only when asked', async () => {
    const segment = biggest();
    const plain = await segments.get(String(segment?.id));
    expect(plain.attributes.name).toBe(segment?.attributes.name);
    expect(plain.attributes.profile_count).toBeUndefined();
    const counted = await segments.get(String(segment?.id), { profileCount: true });
    expect(counted.attributes.profile_count).toBe(segment?.members.size);
    expect(segment?.members.size).toBeGreaterThan(100);
  });

  it('reads every member across pages of 100', async () => {
    const segment = biggest();
    const before = await requests('get_profiles_for_segment');
    const members = await collect(segments.members(String(segment?.id)));
    expect(members.map((m) => m.id).sort()).toEqual([...(segment?.members.keys() ?? [])].sort());
    expect(members.every((m) => typeof m.attributes.joined_group_at === 'string')).toBe(true);
    expect(await requests('get_profiles_for_segment')).toBe(
      before + Math.ceil((segment?.members.size ?? 0) / 100),
    );
  });

  it('answers an unknown segment with a typed 404', async () => {
    const error = await segments.get('NOPE00').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(KlaviyoApiError);
    expect(error).toMatchObject({ status: 404, code: 'not_found' });
  });
});
