import { describe, expect, it } from 'vitest';
import { type TestEmulator, withEmulator } from '../support/emulator.js';

/**
 * Exchange ids (`_kx`) are Klaviyo's: it issues them (email links, klaviyo.js's client/profiles answer)
 * and resolves them to the profile it issued them for. A caller cannot tie a `_kx` of its own to a
 * profile, and a made-up one reaches no one (emulator/store/exchange-ids.ts). Before, the emulator
 * stored any `_kx` on the profile a write resolved to, so a made-up cookie sent beside a stranger's email
 * then carried events and profile writes to the stranger's profile.
 */
let emu: TestEmulator;
withEmulator({ rateLimits: false }, (started) => {
  emu = started;
});

const client = (path: string) => `${path}?company_id=${emu.account.publicKey}`;

const profileImport = (attributes: Record<string, unknown>) =>
  emu.api('/api/profile-import', { method: 'POST', body: { data: { type: 'profile', attributes } } });

const eventFor = (profile: Record<string, unknown>, uniqueId: string) => ({
  data: {
    type: 'event',
    attributes: {
      properties: {},
      unique_id: uniqueId,
      metric: { data: { type: 'metric', attributes: { name: 'Viewed Product' } } },
      profile: { data: { type: 'profile', attributes: profile } },
    },
  },
});

async function profileIdByEmail(email: string): Promise<string> {
  const found = await emu.api(`/api/profiles?filter=${encodeURIComponent(`equals(email,"${email}")`)}`);
  const id = found.body.data[0]?.id;
  if (!id) throw new Error(`no profile for ${email}`);
  return id;
}

async function eventsOf(profileId: string): Promise<string[]> {
  const seen = await emu.inspect('?events=full');
  return seen.events.filter((e: any) => e.profileId === profileId).map((e: any) => e.uniqueId);
}

describe('a made-up exchange id', () => {
  it('sent beside a stranger’s email is not tied to her profile, and alone reaches no one', async () => {
    await profileImport({ email: 'victim@example.com', first_name: 'Vera' });
    const victim = await profileIdByEmail('victim@example.com');
    const forged = `attacker-made.${emu.account.publicKey}`;
    // The attacker's browser identifies with her email and its own token (a client write, 202).
    const identify = await emu.api(client('/client/profiles'), {
      method: 'POST',
      body: { data: { type: 'profile', attributes: { email: 'victim@example.com', _kx: forged } } },
    });
    expect(identify.status).toBe(202);
    // The token still names no one: an event carrying only it is refused, naming the _kx.
    const event = await emu.api(client('/client/events'), {
      method: 'POST',
      body: eventFor({ _kx: forged }, 'forged-1'),
    });
    expect(event.status).toBe(400);
    expect(event.body.errors[0]).toMatchObject({
      code: 'invalid',
      source: { pointer: '/data/attributes/profile/data/attributes/_kx' },
    });
    expect(event.body.errors[0].detail).toContain(forged);
    const server = await emu.api('/api/events', {
      method: 'POST',
      body: eventFor({ _kx: forged }, 'forged-2'),
    });
    expect(server.status).toBe(400);
    const upsert = await profileImport({ _kx: forged, first_name: 'Mallory' });
    expect(upsert.status).toBe(400);
    expect(upsert.body.errors[0].source).toEqual({ pointer: '/data/attributes/_kx' });
    const byKx = await emu.api(`/api/profiles?filter=${encodeURIComponent(`equals(_kx,"${forged}")`)}`);
    expect(byKx.body.data).toEqual([]);
    expect(await eventsOf(victim)).toEqual([]);
    expect((await emu.api(`/api/profiles/${victim}`)).body.data.attributes.first_name).toBe('Vera');
  });

  it('another account’s exchange id does not resolve here', async () => {
    const other = emu.emulator.createAccount({ name: 'Elsewhere' }).account;
    const theirs = other.exchangeIdOf(other.createProfile({ attributes: { email: 'x@example.com' } }));
    const event = await emu.api('/api/events', {
      method: 'POST',
      body: eventFor({ _kx: theirs }, 'other-1'),
    });
    expect(event.status).toBe(400);
  });
});

describe('an exchange id Klaviyo issued', () => {
  it('reaches exactly its profile from an event, a profile import and a filter, and is never shown', async () => {
    await profileImport({ email: 'linked@example.com' });
    const profileId = await profileIdByEmail('linked@example.com');
    const kx = await emu.exchangeIdFor({ email: 'linked@example.com' });
    expect(kx).toMatch(new RegExp(`^[A-Za-z0-9_-]+\\.${emu.account.publicKey}$`));
    expect(await emu.exchangeIdFor({ profileId })).toBe(kx); // one per profile

    const event = await emu.api(client('/client/events'), {
      method: 'POST',
      body: eventFor({ _kx: kx }, 'kx-1'),
    });
    expect(event.status).toBe(202);
    expect(await eventsOf(profileId)).toEqual(['kx-1']);

    const upsert = await profileImport({ _kx: kx, first_name: 'Lin' });
    expect(upsert.status).toBe(200);
    expect(upsert.body.data.id).toBe(profileId);
    expect(upsert.body.data.attributes).not.toHaveProperty('_kx');
    expect(upsert.body.data.attributes.first_name).toBe('Lin');

    const byKx = await emu.api(`/api/profiles?filter=${encodeURIComponent(`equals(_kx,"${kx}")`)}`);
    expect(byKx.body.data.map((p: any) => p.id)).toEqual([profileId]);
  });

  it('klaviyo.js gets the profile’s exchange id in the client/profiles answer; API callers get no body', async () => {
    const onsite = await emu.api(client('/client/profiles'), {
      method: 'POST',
      headers: { 'x-klaviyo-onsite': '1' },
      body: { data: { type: 'profile', attributes: { email: 'browser@example.com' } } },
    });
    expect(onsite.status).toBe(202);
    const profileId = await profileIdByEmail('browser@example.com');
    expect(onsite.body).toEqual({
      meta: { exchange_id: await emu.exchangeIdFor({ profileId }), should_clear_cookie: false },
    });
    const api = await emu.api(client('/client/profiles'), {
      method: 'POST',
      body: { data: { type: 'profile', attributes: { email: 'plain@example.com' } } },
    });
    expect(api.status).toBe(202);
    expect(api.body).toBeUndefined();
  });

  it('beside an email another profile holds, the email decides and the exchange id adds nothing', async () => {
    await profileImport({ email: 'first@example.com' });
    await profileImport({ email: 'second@example.com' });
    const first = await profileIdByEmail('first@example.com');
    const second = await profileIdByEmail('second@example.com');
    const kxOfFirst = await emu.exchangeIdFor({ profileId: first });
    const event = await emu.api('/api/events', {
      method: 'POST',
      body: eventFor({ email: 'second@example.com', _kx: kxOfFirst }, 'both-1'),
    });
    expect(event.status).toBe(202);
    expect(await eventsOf(second)).toEqual(['both-1']);
    expect(await eventsOf(first)).toEqual([]);
    const byKx = await emu.api(`/api/profiles?filter=${encodeURIComponent(`equals(_kx,"${kxOfFirst}")`)}`);
    expect(byKx.body.data.map((p: any) => p.id)).toEqual([first]);
  });
});
