import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { KlaviyoApiError } from '../../lib/klaviyo-next/api/errors.js';
import { startTestEmulator, type TestEmulator } from '../support/emulator.js';
import { klaviyoFor } from '../support/klaviyo.js';

let emu: TestEmulator;
let k: ReturnType<typeof klaviyoFor>;

beforeAll(async () => {
  emu = await startTestEmulator();
  k = klaviyoFor(emu);
});
afterAll(async () => {
  expect(emu.specViolations).toEqual([]);
  await emu.close();
});

describe('profiles resource', () => {
  it('upserts: 201 creates, 200 updates, and finds the profile by each identifier', async () => {
    const first = await k.profiles.upsert({ email: 'grace@example.com', first_name: 'Grace' });
    expect(first.created).toBe(true);
    const again = await k.profiles.upsert({
      email: 'grace@example.com',
      phone_number: '+14155550123',
      external_id: 'c-1',
    });
    expect(again).toEqual({ id: first.id, created: false });
    expect((await k.profiles.getByEmail('grace@example.com'))?.id).toBe(first.id);
    expect((await k.profiles.getByPhone('+14155550123'))?.id).toBe(first.id);
    expect((await k.profiles.getByExternalId('c-1'))?.id).toBe(first.id);
    expect(await k.profiles.getByEmail('nobody@example.com')).toBeUndefined();
    expect((await k.profiles.get(first.id)).attributes.first_name).toBe('Grace');
  });

  it('merges into the existing profile when an identifier belongs to another one (409)', async () => {
    const owner = await k.profiles.upsert({ email: 'owner@example.com' });
    const other = await k.profiles.upsert({ phone_number: '+14155550999' });
    // The email resolves to `owner`; the phone belongs to `other`: Klaviyo answers 409 duplicate_profile.
    const merged = await k.profiles.upsert({
      email: 'owner@example.com',
      phone_number: '+14155550999',
      last_name: 'Hopper',
    });
    expect([owner.id, other.id]).toContain(merged.id);
    expect(merged.created).toBe(false);
    const profile = await k.profiles.get(merged.id);
    expect(profile.attributes.last_name).toBe('Hopper');
  });

  it('updates and unsets custom properties', async () => {
    const { id } = await k.profiles.upsert({
      email: 'props@example.com',
      properties: { tier: 'silver', stale: true },
    });
    const updated = await k.profiles.updateProperties(id, { tier: 'gold' }, ['stale']);
    expect(updated.attributes.properties).toEqual({ tier: 'gold' });
  });

  it('answers an unknown id with a typed 404', async () => {
    const error = await k.profiles.get('01NOPE0000000000000000000').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(KlaviyoApiError);
    expect(error).toMatchObject({ status: 404, code: 'not_found', retryable: false });
  });
});

describe('bulk profile import', () => {
  it('imports 12,000 profiles in two jobs into a list, and reports the ones it could not import', async () => {
    await emu.setRateLimits(false);
    const list = await k.client.call('create_list', {
      body: { data: { type: 'list', attributes: { name: 'Imported' } } },
    });
    const profiles = Array.from({ length: 12_000 }, (_, i) => ({
      email: `import${i}@example.com`,
      first_name: `Person ${i}`,
    }));
    profiles[5] = { email: 'not-an-email', first_name: 'Broken' };
    const jobs = await k.profileImport.start(profiles, { listId: list.data.id });
    expect(jobs.map((j) => j.attributes.total_count)).toEqual([10_000, 2_000]);
    await emu.settle();
    const first = await k.profileImport.job(jobs[0]?.id as string);
    expect(first.attributes.status).toBe('complete');
    const errors = [];
    for await (const error of k.profileImport.errors(jobs[0]?.id as string)) errors.push(error);
    expect(first.attributes.failed_count).toBe(1);
    expect(errors.length).toBe(1);
    expect((await k.profiles.getByEmail('import11999@example.com'))?.attributes.first_name).toBe(
      'Person 11999',
    );
    await emu.setRateLimits(true);
  });
});
