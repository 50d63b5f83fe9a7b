import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Account } from '../../emulator/store/account.js';
import { listsResource } from '../../lib/klaviyo-next/api/resources/lists.js';
import {
  type DeletionIdentifier,
  subscriptionsResource,
} from '../../lib/klaviyo-next/api/resources/subscriptions.js';
import { startTestEmulator, type TestEmulator } from '../support/emulator.js';
import { klaviyoFor } from '../support/klaviyo.js';

let emu: TestEmulator;
let k: ReturnType<typeof klaviyoFor>;
let subscriptions: ReturnType<typeof subscriptionsResource>;
let lists: ReturnType<typeof listsResource>;
let account: Account;

beforeAll(async () => {
  emu = await startTestEmulator();
  k = klaviyoFor(emu);
  subscriptions = subscriptionsResource(k.client);
  lists = listsResource(k.client);
  account = emu.emulator.accounts.get(emu.account.id) as Account;
});
afterAll(async () => {
  expect(emu.specViolations).toEqual([]);
  await emu.close();
});

const requests = async (operation: string): Promise<number> => (await emu.inspect()).requests[operation] ?? 0;

/** A profile's consent as Klaviyo reports it (`additional-fields[profile]=subscriptions`). */
async function consentOf(email: string) {
  const id = String((await k.profiles.getByEmail(email))?.id);
  const result = await k.client.call('get_profile', {
    path: { id },
    query: { 'additional-fields[profile]': ['subscriptions'] },
  });
  return result.data.attributes.subscriptions;
}

describe('subscriptions resource', () => {
  it('subscribes 2,500 profiles to a list in 3 jobs: email and SMS marketing consent', async () => {
    const list = await lists.create('Newsletter');
    const people = Array.from({ length: 2_500 }, (_, i) => ({
      email: `sub${i}@example.com`,
      ...(i === 0 ? { phone_number: '+14155550100' } : {}),
    }));
    const before = await requests('bulk_subscribe_profiles');
    await subscriptions.subscribe(people, { listId: list.id, customSource: 'Checkout' });
    expect(await requests('bulk_subscribe_profiles')).toBe(before + 3);
    await emu.settle();
    expect(account.lists.get(list.id)?.members.size).toBe(2_500);

    const first = await consentOf('sub0@example.com');
    expect(first?.email?.marketing).toMatchObject({
      consent: 'SUBSCRIBED',
      custom_method_detail: 'Checkout',
    });
    expect(first?.sms?.marketing).toMatchObject({ consent: 'SUBSCRIBED' });
    const last = await consentOf('sub2499@example.com');
    expect(last?.email?.marketing?.consent).toBe('SUBSCRIBED');
    expect(last?.sms?.marketing?.consent).toBe('NEVER_SUBSCRIBED');
  });

  it('unsubscribes 100 per call: list members from the list, everyone else globally', async () => {
    const list = await lists.create('Promos');
    const members = Array.from({ length: 250 }, (_, i) => ({ email: `unsub${i}@example.com` }));
    await subscriptions.subscribe([...members, { email: 'outsider@example.com' }]);
    await subscriptions.subscribe(members, { listId: list.id });
    await emu.settle();
    expect(account.lists.get(list.id)?.members.size).toBe(250);

    const before = await requests('bulk_unsubscribe_profiles');
    await subscriptions.unsubscribe([...members, { email: 'outsider@example.com' }], { listId: list.id });
    expect(await requests('bulk_unsubscribe_profiles')).toBe(before + 3);
    await emu.settle();
    expect(account.lists.get(list.id)?.members.size).toBe(0);
    const member = (await consentOf('unsub7@example.com'))?.email?.marketing;
    expect(member?.consent).toBe('SUBSCRIBED');
    expect(member?.list_suppressions).toMatchObject([{ list_id: list.id, reason: 'UNSUBSCRIBE' }]);
    const outsider = (await consentOf('outsider@example.com'))?.email?.marketing;
    expect(outsider?.consent).toBe('UNSUBSCRIBED');
  });

  it('requests deletion by exactly one identifier, and the profile is gone once processed', async () => {
    const byEmail = await k.profiles.upsert({ email: 'forget-me@example.com' });
    const byId = await k.profiles.upsert({ email: 'forget-my-id@example.com' });
    await subscriptions.requestProfileDeletion({ email: 'forget-me@example.com' });
    await subscriptions.requestProfileDeletion({ id: byId.id });
    await emu.settle();
    expect(account.profiles.has(byEmail.id)).toBe(false);
    expect(account.profiles.has(byId.id)).toBe(false);
    expect(await k.profiles.getByEmail('forget-me@example.com')).toBeUndefined();
  });

  it('refuses two identifiers or an empty one without calling Klaviyo', async () => {
    const before = await requests('request_profile_deletion');
    const two = { email: 'a@example.com', phone_number: '+14155550101' } as unknown as DeletionIdentifier;
    await expect(subscriptions.requestProfileDeletion(two)).rejects.toThrow(TypeError);
    await expect(subscriptions.requestProfileDeletion({ email: '' })).rejects.toThrow(TypeError);
    expect(await requests('request_profile_deletion')).toBe(before);
  });
});
