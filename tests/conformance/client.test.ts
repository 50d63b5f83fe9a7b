import { describe, expect, it } from 'vitest';
import type { Account } from '../../emulator/store/account.js';
import { type TestEmulator, withEmulator } from '../support/emulator.js';
import { sdkFor } from '../support/sdk.js';

let emu: TestEmulator;
let sdk: ReturnType<typeof sdkFor>;
let account: Account;

withEmulator({}, (started) => {
  emu = started;
  sdk = sdkFor(started);
  const found = emu.emulator.accounts.get(emu.account.id);
  if (!found) throw new Error('no account');
  account = found;
});

/** POSTs to a /client endpoint with the account's public key, as a browser would. */
const client = (path: string, body: unknown, companyId: string | null = emu.account.publicKey) =>
  emu.api(`/client/${path}${companyId === null ? '' : `?company_id=${companyId}`}`, { method: 'POST', body });

const clientEvent = (profile: Record<string, unknown>, extra: Record<string, unknown> = {}) => ({
  data: {
    type: 'event',
    attributes: {
      properties: { ProductName: 'Tee' },
      metric: { data: { type: 'metric', attributes: { name: 'Viewed Product' } } },
      profile: { data: { type: 'profile', attributes: profile } },
      ...extra,
    },
  },
});

const clientProfile = (attributes: Record<string, unknown>) => ({ data: { type: 'profile', attributes } });

async function eventsOf(email: string) {
  const seen = await emu.inspect('?events=full');
  return seen.events.filter((e: any) => e.email === email);
}

function profileBy(key: 'email' | 'external_id', value: string) {
  return [...account.profiles.values()].find((p) => p.attributes[key] === value);
}

// Lists and catalog variants belong to other handlers; these tests put them straight into the store.
function addList(id: string): void {
  const now = account.now();
  account.lists.set(id, {
    id,
    attributes: { name: `List ${id}` },
    createdMs: now,
    updatedMs: now,
    members: new Map(),
  });
}

function addVariant(id: string): void {
  const now = account.now();
  account
    .collection('catalog-variant')
    .set(id, { id, attributes: { sku: id }, relationships: {}, createdMs: now, updatedMs: now });
}

describe('client authentication', () => {
  it('records an event sent with the public key as company_id, answering 202 with no body', async () => {
    const res = await client('events', clientEvent({ email: 'browser@example.com' }));
    expect(res.status).toBe(202);
    expect(res.body).toBeUndefined();
    const [event] = await eventsOf('browser@example.com');
    expect(event).toMatchObject({ metric: 'Viewed Product', source: 'client' });
  });

  it('rejects a missing or unknown company_id with 400', async () => {
    const missing = await client('events', clientEvent({ email: 'nokey@example.com' }), null);
    expect(missing.status).toBe(400);
    expect(missing.body.errors[0].source).toEqual({ parameter: 'company_id' });
    const unknown = await client('events', clientEvent({ email: 'nokey@example.com' }), 'XXXXXX');
    expect(unknown.status).toBe(400);
    expect(await eventsOf('nokey@example.com')).toEqual([]);
  });

  it('rejects a private key in the Authorization header with 401', async () => {
    const res = await emu.api(`/client/events?company_id=${emu.account.publicKey}`, {
      method: 'POST',
      body: clientEvent({ email: 'private@example.com' }),
      headers: { Authorization: `Klaviyo-API-Key ${emu.account.privateKey}` },
    });
    expect(res.status).toBe(401);
    expect(await eventsOf('private@example.com')).toEqual([]);
  });
});

describe('client events', () => {
  it('records an event sent twice with one unique_id once', async () => {
    const body = clientEvent({ email: 'dedup@example.com' }, { unique_id: 'view-1' });
    expect((await client('events', body)).status).toBe(202);
    expect((await client('events', body)).status).toBe(202);
    expect(await eventsOf('dedup@example.com')).toHaveLength(1);
    const seen = await emu.inspect();
    expect(seen.suppressed).toContainEqual(
      expect.objectContaining({ uniqueId: 'view-1', reason: 'duplicate_unique_id' }),
    );
  });

  it('does not change an existing profile identifier, but still answers 202', async () => {
    const created = await sdk.profiles.createProfile({
      data: { type: 'profile', attributes: { email: 'owner@example.com', externalId: 'cust-77' } },
    } as never);
    const id = created.body.data.id;
    const res = await client(
      'events',
      clientEvent({ external_id: 'cust-77', email: 'attacker@example.com' }, { unique_id: 'x-1' }),
    );
    expect(res.status).toBe(202);
    const profile = await sdk.profiles.getProfile(id as string);
    expect(profile.body.data.attributes.email).toBe('owner@example.com');
    expect(profileBy('email', 'attacker@example.com')).toBeUndefined();
    const [event] = await eventsOf('owner@example.com');
    expect(event?.profileId).toBe(id);
  });

  it('accepts up to 1000 events for one profile and rejects 1001 with 400', async () => {
    const bulk = (count: number, email: string) => ({
      data: {
        type: 'event-bulk-create',
        attributes: {
          profile: { data: { type: 'profile', attributes: { email } } },
          events: {
            data: Array.from({ length: count }, (_, i) => ({
              type: 'event',
              attributes: {
                properties: { i },
                unique_id: `bulk-${i}`,
                metric: { data: { type: 'metric', attributes: { name: 'Viewed Product' } } },
              },
            })),
          },
        },
      },
    });
    const tooMany = await client('event-bulk-create', bulk(1001, 'toomany@example.com'));
    expect(tooMany.status).toBe(400);
    expect(tooMany.body.errors[0].source).toEqual({ pointer: '/data/attributes/events/data' });
    expect(await eventsOf('toomany@example.com')).toEqual([]);
    expect((await client('event-bulk-create', bulk(1000, 'bulk@example.com'))).status).toBe(202);
    expect(await eventsOf('bulk@example.com')).toHaveLength(1000);
  });
});

describe('client profiles', () => {
  it('resolves an anonymous visitor by anonymous_id and later identifies them', async () => {
    const first = clientProfile({ anonymous_id: 'anon-42', properties: { theme: 'dark' } });
    expect((await client('profiles', first)).status).toBe(202);
    const anonymous = [...account.profiles.values()].find((p) => p.anonymousIds.has('anon-42'));
    expect(anonymous?.attributes.properties).toEqual({ theme: 'dark' });
    const identify = clientProfile({ anonymous_id: 'anon-42', email: 'anon@example.com', first_name: 'Ann' });
    expect((await client('profiles', identify)).status).toBe(202);
    expect(profileBy('email', 'anon@example.com')?.id).toBe(anonymous?.id);
    await client('events', clientEvent({ anonymous_id: 'anon-42' }, { unique_id: 'anon-view' }));
    const [event] = await eventsOf('anon@example.com');
    expect(event?.profileId).toBe(anonymous?.id);
  });

  it('updates properties but not the email of an existing profile', async () => {
    await sdk.profiles.createProfile({
      data: { type: 'profile', attributes: { email: 'keep@example.com', externalId: 'cust-88' } },
    } as never);
    const res = await client(
      'profiles',
      clientProfile({ external_id: 'cust-88', email: 'other@example.com', properties: { vip: true } }),
    );
    expect(res.status).toBe(202);
    const profile = profileBy('external_id', 'cust-88');
    expect(profile?.attributes).toMatchObject({ email: 'keep@example.com', properties: { vip: true } });
  });

  it('rejects a profile with no identifier', async () => {
    const res = await client('profiles', clientProfile({ first_name: 'Nobody' }));
    expect(res.status).toBe(400);
  });
});

describe('client subscriptions', () => {
  const subscription = (profile: Record<string, unknown>, listId?: string) => ({
    data: {
      type: 'subscription',
      attributes: {
        custom_source: 'Footer form',
        profile: { data: { type: 'profile', attributes: profile } },
      },
      ...(listId ? { relationships: { list: { data: { type: 'list', id: listId } } } } : {}),
    },
  });

  it('rejects a subscription without a list or with an unknown list', async () => {
    const none = await client('subscriptions', subscription({ email: 'nolist@example.com' }));
    expect(none.status).toBe(400);
    const unknown = await client('subscriptions', subscription({ email: 'nolist@example.com' }, 'NoSuch'));
    expect(unknown.status).toBe(400);
    expect(unknown.body.errors[0]).toMatchObject({
      detail: expect.stringContaining('NoSuch'),
      source: { pointer: '/data/relationships/list/data/id' },
    });
    expect(profileBy('email', 'nolist@example.com')).toBeUndefined();
  });

  it('records email marketing consent, visible with additional-fields[profile]=subscriptions', async () => {
    addList('News01');
    const res = await client('subscriptions', subscription({ email: 'consent@example.com' }, 'News01'));
    expect(res.status).toBe(202);
    const profile = profileBy('email', 'consent@example.com');
    if (!profile) throw new Error('profile not created');
    const got = await emu.api(`/api/profiles/${profile.id}?additional-fields[profile]=subscriptions`);
    const subscriptions = got.body.data.attributes.subscriptions;
    expect(subscriptions.email.marketing).toMatchObject({
      can_receive_email_marketing: true,
      consent: 'SUBSCRIBED',
      custom_method_detail: 'Footer form',
    });
    expect(subscriptions.email.marketing.consent_timestamp).toMatch(/^\d{4}-/);
    expect(subscriptions.sms.marketing.consent).toBe('NEVER_SUBSCRIBED');
    expect(account.lists.get('News01')?.members.has(profile.id)).toBe(true);
    const seen = await emu.inspect();
    expect(seen.log).toContainEqual(
      expect.objectContaining({
        operation: 'create_client_subscription',
        payload: expect.objectContaining({ listId: 'News01', profileId: profile.id }),
      }),
    );
  });

  it('subscribes only the channels named in a subscriptions object', async () => {
    addList('Sms001');
    const body = subscription(
      {
        email: 'smsonly@example.com',
        phone_number: '+15005550006',
        subscriptions: { sms: { marketing: { consent: 'SUBSCRIBED' } } },
      },
      'Sms001',
    );
    expect((await client('subscriptions', body)).status).toBe(202);
    const profile = profileBy('email', 'smsonly@example.com');
    const got = await emu.api(`/api/profiles/${profile?.id}?additional-fields[profile]=subscriptions`);
    const subscriptions = got.body.data.attributes.subscriptions;
    expect(subscriptions.sms.marketing).toMatchObject({
      consent: 'SUBSCRIBED',
      can_receive_sms_marketing: true,
    });
    expect(subscriptions.email.marketing.consent).toBe('NEVER_SUBSCRIBED');
  });

  it('rejects SMS consent for a profile without a phone number', async () => {
    addList('Sms002');
    const body = subscription(
      { email: 'nophone@example.com', subscriptions: { sms: { marketing: { consent: 'SUBSCRIBED' } } } },
      'Sms002',
    );
    expect((await client('subscriptions', body)).status).toBe(400);
  });
});

describe('client back in stock', () => {
  const bis = (variantId: string, channels = ['EMAIL']) => ({
    data: {
      type: 'back-in-stock-subscription',
      attributes: {
        channels,
        profile: { data: { type: 'profile', attributes: { email: 'waiting@example.com' } } },
      },
      relationships: { variant: { data: { type: 'catalog-variant', id: variantId } } },
    },
  });

  it('rejects an unknown variant, naming it', async () => {
    const res = await client('back-in-stock-subscriptions', bis('$custom:::$default:::NOPE'));
    expect(res.status).toBe(400);
    expect(res.body.errors[0].detail).toContain('$custom:::$default:::NOPE');
  });

  it('records the subscription in the log with the variant, channels and profile', async () => {
    const variantId = '$custom:::$default:::TEE-M';
    addVariant(variantId);
    expect((await client('back-in-stock-subscriptions', bis(variantId))).status).toBe(202);
    const profile = profileBy('email', 'waiting@example.com');
    const seen = await emu.inspect();
    expect(seen.log).toContainEqual(
      expect.objectContaining({
        operation: 'create_client_back_in_stock_subscription',
        payload: { variantId, channels: ['EMAIL'], profileId: profile?.id },
      }),
    );
  });

  it('rejects SMS for a profile without a phone number', async () => {
    const variantId = '$custom:::$default:::TEE-L';
    addVariant(variantId);
    const res = await client('back-in-stock-subscriptions', bis(variantId, ['SMS']));
    expect(res.status).toBe(400);
  });
});
