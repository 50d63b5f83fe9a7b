import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createKlaviyoClient } from '../../lib/klaviyo-next/api/client.js';
import { createDispatcher } from '../../lib/klaviyo-next/outbox/dispatcher.js';
import { OutboxStore } from '../../lib/klaviyo-next/outbox/store.js';
import { type OutboxMessage, profileMessage } from '../../lib/klaviyo-next/outbox/types.js';
import type { SqlDatabase } from '../../lib/klaviyo-next/sql/types.js';
import { freshSqlite } from '../support/databases.js';
import { type TestEmulator, withEmulator } from '../support/emulator.js';
import { type FaultyProxy, startFaultyProxy } from '../support/faulty-proxy.js';
import { virtualClock } from '../support/virtual-clock.js';

/**
 * A profile write whose identifiers Klaviyo finds on two profiles (409 duplicate_profile) goes to the
 * person its uncontested identifier names, or to nobody: never to the profile that holds the
 * contested phone, email or external id, which belongs to someone else.
 */

let emu: TestEmulator;
let proxy: FaultyProxy;
let db: SqlDatabase;
let store: OutboxStore;
const clock = virtualClock(Date.parse('2026-07-15T12:00:00Z'));

withEmulator({ rateLimits: false }, async (started) => {
  emu = started;
  proxy = await startFaultyProxy(emu.url);
});
beforeAll(async () => {
  db = await freshSqlite();
  store = new OutboxStore(db);
});
afterEach(() => proxy.clear());
afterAll(async () => {
  await proxy?.close();
  await db?.close();
});

const dispatcher = () =>
  createDispatcher({
    store,
    client: createKlaviyoClient({
      apiKey: emu.account.privateKey,
      baseUrl: proxy.url,
      governor: null,
      ...clock,
    }),
    now: clock.now,
  });
const enqueue = (messages: OutboxMessage[]) =>
  db.transaction((tx) => store.enqueue(tx, messages, clock.now()));

async function createProfile(attributes: Record<string, unknown>): Promise<string> {
  const res = await emu.api('/api/profiles', {
    method: 'POST',
    body: { data: { type: 'profile', attributes } },
  });
  expect(res.status).toBe(201);
  return res.body.data.id;
}
const profile = async (id: string) => (await emu.api(`/api/profiles/${id}`)).body.data.attributes;
const updateCalls = async () => (await emu.inspect()).requests.update_profile ?? 0;

describe('a profile write that meets a 409 duplicate_profile', () => {
  it('writes to the profile its uncontested email names, never to the holders of its phone or external id', async () => {
    const alice = await createProfile({ email: 'alice@example.com', first_name: 'Alice' });
    const bob = await createProfile({ phone_number: '+12025550142', first_name: 'Bob' });
    const carol = await createProfile({ external_id: 'carol-1', first_name: 'Carol' });
    const updatesBefore = await updateCalls();
    // Alice's email with Bob's phone and Carol's external id: as if a shopper typed them at checkout.
    await enqueue([
      profileMessage('conflict:1', {
        profile: {
          email: 'alice@example.com',
          phone_number: '+12025550142',
          external_id: 'carol-1',
          first_name: 'Alicia',
          last_name: 'Liddell',
          _kx: `made-up.${emu.account.id}`,
        },
        location: { city: 'Oxford' },
        properties: { Tier: 'gold' },
      }),
    ]);
    expect(await dispatcher().drain()).toMatchObject({ delivered: 1, retrying: 0, dead: 0 });

    expect(await profile(alice)).toMatchObject({
      email: 'alice@example.com',
      phone_number: null,
      external_id: null,
      first_name: 'Alicia',
      last_name: 'Liddell',
      location: expect.objectContaining({ city: 'Oxford' }),
      properties: { Tier: 'gold' },
    });
    for (const [id, name] of [
      [bob, 'Bob'],
      [carol, 'Carol'],
    ] as const) {
      const other = await profile(id);
      expect(other.first_name).toBe(name);
      expect(other.last_name).toBeNull();
      expect(other.properties).toEqual({});
      expect(other.email).toBeNull();
    }
    // Nothing went through update_profile, whose schema has no `_kx`.
    expect(await updateCalls()).toBe(updatesBefore);
  });

  it('dead-letters the write, saying why, when every identifier it has belongs to another profile', async () => {
    const dana = await createProfile({ phone_number: '+12025550177', first_name: 'Dana' });
    const updatesBefore = await updateCalls();
    // Klaviyo names Dana's profile as the holder of the only identifier the write has.
    proxy.set([
      {
        method: 'POST',
        path: /^\/api\/profile-import\/?$/,
        mode: 'replace',
        count: 1,
        replaceWith: {
          status: 409,
          body: {
            errors: [
              {
                id: 'e1',
                status: 409,
                code: 'duplicate_profile',
                title: 'Conflict.',
                detail: 'A profile already exists with one of these identifiers.',
                source: { pointer: '/data/attributes' },
                meta: { duplicate_profile_id: dana },
              },
            ],
          },
        },
      },
    ]);
    await enqueue([
      profileMessage('conflict:2', {
        profile: { phone_number: '+12025550177', first_name: 'Mallory', _kx: `made-up-2.${emu.account.id}` },
        properties: { Tier: 'stolen' },
      }),
    ]);
    expect(await dispatcher().drain()).toMatchObject({ delivered: 0, dead: 1 });
    const [dead] = (await store.list({ state: 'dead' })).filter((r) => r.key === 'profile:conflict:2');
    expect(dead?.lastError).toMatchObject({ status: 409, code: 'duplicate_profile' });
    expect(dead?.lastError?.detail).toContain(dana);
    expect(dead?.lastError?.detail).toContain('phone_number');
    expect(await profile(dana)).toMatchObject({ first_name: 'Dana', properties: {} });
    expect(await updateCalls()).toBe(updatesBefore);
  });

  it('writes nowhere when the contested identifier is the verified email itself', async () => {
    const mallory = await createProfile({ email: 'mallory@example.com', first_name: 'Mallory' });
    const importsBefore = (await emu.inspect()).requests.create_or_update_profile ?? 0;
    // Klaviyo names the signed-in shopper's own (verified) email as held by Mallory's profile.
    proxy.set([
      {
        method: 'POST',
        path: /^\/api\/profile-import\/?$/,
        mode: 'replace',
        count: 1,
        replaceWith: {
          status: 409,
          body: {
            errors: [
              {
                id: 'e2',
                status: 409,
                code: 'duplicate_profile',
                title: 'Conflict.',
                detail: 'A profile already exists with one of these identifiers.',
                source: { pointer: '/data/attributes/email' },
                meta: { duplicate_profile_id: mallory },
              },
            ],
          },
        },
      },
    ]);
    await enqueue([
      profileMessage('conflict:3', {
        profile: { email: 'erin@example.com', first_name: 'Erin', _kx: `made-up-3.${emu.account.id}` },
        properties: { Tier: 'silver' },
      }),
    ]);
    expect(await dispatcher().drain()).toMatchObject({ delivered: 0, dead: 1 });
    const [dead] = (await store.list({ state: 'dead' })).filter((r) => r.key === 'profile:conflict:3');
    expect(dead?.lastError).toMatchObject({ status: 409, code: 'duplicate_profile' });
    expect(dead?.lastError?.detail).toContain('email');
    // Not sent again without the email (nothing left to name her by), nor to Mallory's profile.
    expect((await emu.inspect()).requests.create_or_update_profile ?? 0).toBe(importsBefore);
    expect(await profile(mallory)).toMatchObject({ first_name: 'Mallory', properties: {} });
    const erin = await emu.api(
      `/api/profiles?filter=${encodeURIComponent('equals(email,"erin@example.com")')}`,
    );
    expect(erin.body.data).toEqual([]);
  });
});
