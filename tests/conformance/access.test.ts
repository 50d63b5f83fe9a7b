import { describe, expect, it } from 'vitest';
import { type TestEmulator, withEmulator } from '../support/emulator.js';
import { sdkFailure, sdkFor } from '../support/sdk.js';

let emu: TestEmulator;

withEmulator({}, (started) => {
  emu = started;
});

const profileBody = (email: string) => ({ data: { type: 'profile', attributes: { email } } });

describe('what Klaviyo rejects at the door', () => {
  it('requires the revision header', async () => {
    const res = await emu.api('/api/profiles', { headers: { revision: '' } });
    expect(res.status).toBe(400);
    expect(res.body.errors[0]).toMatchObject({ code: 'invalid', source: { parameter: 'revision' } });
  });

  it('rejects a malformed revision and one newer than the spec', async () => {
    for (const revision of ['July 2026', '2099-01-15']) {
      const res = await emu.api('/api/profiles', { headers: { revision } });
      expect(res.status).toBe(400);
      expect(res.body.errors[0].detail).toContain(revision);
    }
  });

  it('answers 401 without a key and with an unknown key', async () => {
    const missing = await emu.api('/api/profiles', { headers: { Authorization: '' } });
    expect(missing.status).toBe(401);
    expect(missing.body.errors[0].code).toBe('not_authenticated');
    const wrong = await emu.api('/api/profiles', {
      headers: { Authorization: 'Klaviyo-API-Key pk_not_a_real_key' },
    });
    expect(wrong.status).toBe(401);
    expect(wrong.body.errors[0].code).toBe('authentication_failed');
  });

  it('refuses the public key on /api and a private key on /client (wrong key type)', async () => {
    const publicOnApi = await emu.api('/api/profiles', {
      headers: { Authorization: `Klaviyo-API-Key ${emu.account.publicKey}` },
    });
    expect(publicOnApi.status).toBe(401);
    expect(publicOnApi.body.errors[0].detail).toMatch(/public API key/);
    const privateOnClient = await emu.api(`/client/profiles?company_id=${emu.account.publicKey}`, {
      method: 'POST',
      body: { data: { type: 'profile', attributes: { email: 'x@example.com' } } },
      headers: { Authorization: `Klaviyo-API-Key ${emu.account.privateKey}` },
    });
    expect(privateOnClient.status).toBe(401);
  });

  it('answers 403 naming the scope a key lacks', async () => {
    const { privateKey } = await emu.control(`/accounts/${emu.account.id}/keys`, 'POST', {
      scopes: ['profiles:read'],
    });
    const read = await emu.api('/api/profiles', {
      headers: { Authorization: `Klaviyo-API-Key ${privateKey}` },
    });
    expect(read.status).toBe(200);
    const write = await emu.api('/api/profiles', {
      method: 'POST',
      body: profileBody('scoped@example.com'),
      headers: { Authorization: `Klaviyo-API-Key ${privateKey}` },
    });
    expect(write.status).toBe(403);
    expect(write.body.errors[0]).toMatchObject({ code: 'permission_denied' });
    expect(write.body.errors[0].detail).toContain('profiles:write');
  });

  it('answers 404 for unknown ids and unknown paths, 405 for a wrong method', async () => {
    expect((await emu.api('/api/profiles/01NOPE0000000000000000000')).status).toBe(404);
    expect((await emu.api('/api/nothing-here')).status).toBe(404);
    expect((await emu.api('/api/profiles', { method: 'PUT', body: {} })).status).toBe(405);
  });

  it('accepts paths with a trailing slash and both JSON content types', async () => {
    const res = await emu.api('/api/profiles/', {
      method: 'POST',
      body: profileBody('slash@example.com'),
      headers: { 'content-type': 'application/json' },
    });
    expect(res.status).toBe(201);
    expect(res.headers.get('content-type')).toBe('application/vnd.api+json');
  });

  it('rejects a body that breaks the spec schema with a pointer to the field', async () => {
    const res = await emu.api('/api/profiles', {
      method: 'POST',
      body: { data: { type: 'list', attributes: {} } },
    });
    expect(res.status).toBe(400);
    expect(res.body.errors[0].source.pointer).toBe('/data/type');
    const notJson = await emu.api('/api/profiles', { method: 'POST', body: '{"data":' });
    expect(notJson.status).toBe(400);
  });

  it('rejects a body over the operation payload limit with 413', async () => {
    // create_profile: "The maximum allowed payload size is 100KB" (spec description).
    const big = profileBody('big@example.com') as any;
    big.data.attributes.properties = { notes: 'x'.repeat(110 * 1024) };
    const res = await emu.api('/api/profiles', { method: 'POST', body: big });
    expect(res.status).toBe(413);
  });
});

describe('query parameters read from the spec', () => {
  it('bounds page[size] per endpoint', async () => {
    expect((await emu.api('/api/profiles?page[size]=100')).status).toBe(200);
    expect((await emu.api('/api/profiles?page[size]=101')).status).toBe(400);
    expect((await emu.api('/api/profiles?page[size]=0')).status).toBe(400);
    expect((await emu.api('/api/events?page[size]=1000')).status).toBe(200);
    expect((await emu.api('/api/events?page[size]=1001')).status).toBe(400);
  });

  it('rejects a quoted datetime, a field the endpoint does not allow, and a bad operator', async () => {
    const cases = [
      `greater-than(created,'2024-01-01T00:00:00Z')`,
      `equals(first_name,"Ada")`,
      `contains(email,"example")`,
      `equals(email,Ada)`,
      `or(equals(email,"a@b.co"),equals(email,"c@d.co"))`,
    ];
    for (const filter of cases) {
      const res = await emu.api(`/api/profiles?filter=${encodeURIComponent(filter)}`);
      expect(res.status, filter).toBe(400);
      expect(res.body.errors[0]).toMatchObject({ code: 'invalid', source: { parameter: 'filter' } });
    }
    const ok = await emu.api(
      `/api/profiles?filter=${encodeURIComponent('greater-than(created,2024-01-01T00:00:00Z)')}`,
    );
    expect(ok.status).toBe(200);
  });

  it('rejects unknown sort, include and sparse-field values, and unknown parameters', async () => {
    for (const q of ['sort=first_name', 'include=events', 'fields[profile]=shoe_size', 'colour=blue']) {
      const res = await emu.api(`/api/profiles?${q}`);
      expect(res.status, q).toBe(400);
    }
  });

  it('filters, sorts and returns sparse fieldsets', async () => {
    for (const email of ['sparse-b@example.com', 'sparse-a@example.com']) {
      await emu.api('/api/profiles', { method: 'POST', body: profileBody(email) });
    }
    const filter = encodeURIComponent('any(email,["sparse-a@example.com","sparse-b@example.com"])');
    const res = await emu.api(`/api/profiles?filter=${filter}&sort=-email&fields[profile]=email`);
    expect(res.status).toBe(200);
    expect(res.body.data.map((p: any) => p.attributes)).toEqual([
      { email: 'sparse-b@example.com' },
      { email: 'sparse-a@example.com' },
    ]);
  });
});

describe('profiles through the official SDK', () => {
  it('creates, reads, updates and upserts; a duplicate identifier is a 409 naming the existing profile', async () => {
    const sdk = sdkFor(emu);
    const created = await sdk.profiles.createProfile({
      data: { type: 'profile', attributes: { email: 'ada@example.com', firstName: 'Ada' } },
    } as never);
    expect(created.response.status).toBe(201);
    const id = created.body.data.id as string;

    const duplicate = await sdkFailure(
      sdk.profiles.createProfile({
        data: { type: 'profile', attributes: { email: 'ada@example.com' } },
      } as never),
    );
    expect(duplicate.status).toBe(409);
    expect(duplicate.errors[0]).toMatchObject({
      code: 'duplicate_profile',
      meta: { duplicate_profile_id: id },
    });

    const updated = await sdk.profiles.updateProfile(id, {
      data: { type: 'profile', id, attributes: { lastName: 'Lovelace', properties: { plan: 'gold' } } },
    } as never);
    expect(updated.body.data.attributes).toMatchObject({ firstName: 'Ada', lastName: 'Lovelace' });

    const upsert = await sdk.profiles.createOrUpdateProfile({
      data: { type: 'profile', attributes: { email: 'ada@example.com', firstName: null } },
    } as never);
    expect(upsert.response.status).toBe(200);
    expect(upsert.body.data.attributes.firstName).toBeNull();
    expect(upsert.body.data.attributes.lastName).toBe('Lovelace');

    const fresh = await sdk.profiles.createOrUpdateProfile({
      data: { type: 'profile', attributes: { externalId: 'cust-77' } },
    } as never);
    expect(fresh.response.status).toBe(201);

    const got = await sdk.profiles.getProfile(id, { additionalFieldsProfile: ['subscriptions'] });
    expect(got.body.data.attributes.subscriptions?.email?.marketing?.consent).toBe('NEVER_SUBSCRIBED');

    const list = await sdk.profiles.getProfiles({ filter: 'equals(email,"ada@example.com")' });
    expect(list.body.data.map((p) => p.id)).toEqual([id]);
  });
});

describe('accounts', () => {
  it('lists the account the key belongs to, with its public key', async () => {
    const sdk = sdkFor(emu);
    // get_accounts and get_account allow 1 request a second (x-klaviyo-ratelimit burst 1/s).
    const nextSecond = () => emu.clock({ advanceMs: 1_000 });
    const accounts = await sdk.accounts.getAccounts();
    await nextSecond();
    expect(accounts.body.data).toHaveLength(1);
    expect(accounts.body.data[0]?.attributes.publicApiKey).toBe(emu.account.publicKey);
    const one = await sdk.accounts.getAccount(emu.account.id);
    expect(one.body.data.attributes.preferredCurrency).toBe('USD');
    await nextSecond();
    expect((await sdkFailure(sdk.accounts.getAccount('ZZZZZZ'))).status).toBe(404);
  });
});
