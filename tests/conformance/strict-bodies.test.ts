import { describe, expect, it } from 'vitest';
import { type TestEmulator, withEmulator } from '../support/emulator.js';

/**
 * Klaviyo refuses a request body that carries a field the operation does not define, with 400
 * `invalid`, a detail naming the field and the resource, and a pointer to it, e.g.
 * `'last_name' is not a valid field for the resource 'profile'.` at
 * `/data/attributes/profiles/data/0/attributes/last_name` (observed on a subscription job). So must the
 * emulator: before this, unknown and misspelled attributes were accepted with 200/202.
 */
let emu: TestEmulator;
withEmulator({ rateLimits: false }, (started) => {
  emu = started;
});

interface ErrorObject {
  id: string;
  status: number;
  code: string;
  title: string;
  detail: string;
  source?: { pointer?: string };
}

async function refusal(path: string, body: unknown, method = 'POST'): Promise<ErrorObject> {
  const response = await emu.api(path, { method, body });
  expect(response.status, JSON.stringify(response.body)).toBe(400);
  const error = response.body.errors[0] as ErrorObject;
  expect(error).toMatchObject({ status: 400, code: 'invalid', title: 'Invalid input.' });
  expect(error.id).toMatch(/^[0-9a-f-]{36}$/);
  return error;
}

const profileAttributes = { email: 'strict@example.com', first_name: 'Strict' };

/** A subscription job for one profile with these attributes; `data` adds members beside `attributes`. */
const subscribeJob = (attributes: Record<string, unknown>, data: Record<string, unknown> = {}) => ({
  data: {
    type: 'profile-subscription-bulk-create-job',
    attributes: { profiles: { data: [{ type: 'profile', attributes }] } },
    ...data,
  },
});

const eventBody = (profile: Record<string, unknown>, extra: Record<string, unknown> = {}) => ({
  type: 'event',
  attributes: {
    properties: { OrderId: 'o-1' },
    metric: { data: { type: 'metric', attributes: { name: 'Placed Order' } } },
    profile: { data: { type: 'profile', attributes: profile } },
    unique_id: 'strict-1',
    ...extra,
  },
});

describe('unknown attributes are refused with a pointer to them', () => {
  it('update_profile refuses _kx, which its schema lacks', async () => {
    const created = await emu.api('/api/profiles', {
      method: 'POST',
      body: { data: { type: 'profile', attributes: { email: 'kx@example.com' } } },
    });
    expect(created.status).toBe(201);
    const id = created.body.data.id as string;
    const error = await refusal(
      `/api/profiles/${id}`,
      { data: { type: 'profile', id, attributes: { first_name: 'Ann', _kx: 'abc.DEMO01' } } },
      'PATCH',
    );
    expect(error.source).toEqual({ pointer: '/data/attributes/_kx' });
    expect(error.detail).toBe("'_kx' is not a valid field for the resource 'profile'.");
    const after = await emu.api(`/api/profiles/${id}`);
    expect(after.body.data.attributes.first_name).toBeNull();
  });

  it('create_profile refuses a misspelled attribute', async () => {
    const error = await refusal('/api/profiles', {
      data: { type: 'profile', attributes: { ...profileAttributes, frist_name: 'Typo' } },
    });
    expect(error.source).toEqual({ pointer: '/data/attributes/frist_name' });
    expect(error.detail).toContain("'frist_name'");
    const found = await emu.api(
      `/api/profiles?filter=${encodeURIComponent('equals(email,"strict@example.com")')}`,
    );
    expect(found.body.data).toEqual([]);
  });

  it('create_or_update_profile refuses an unknown key inside location', async () => {
    const error = await refusal('/api/profile-import', {
      data: {
        type: 'profile',
        attributes: { ...profileAttributes, location: { city: 'Oslo', postcode: '1' } },
      },
    });
    expect(error.source).toEqual({ pointer: '/data/attributes/location/postcode' });
    expect(error.detail).toBe("'postcode' is not a valid field for the resource 'location'.");
  });

  it('refuses an unknown member of data and of a relationship', async () => {
    const member = await refusal('/api/profile-import', {
      data: { type: 'profile', attributes: profileAttributes, extra: true },
    });
    expect(member.source).toEqual({ pointer: '/data/extra' });
    const relationship = await refusal(
      '/api/profile-subscription-bulk-create-jobs',
      subscribeJob(
        { email: 'rel@example.com', subscriptions: { email: { marketing: { consent: 'SUBSCRIBED' } } } },
        { relationships: { list: { data: { type: 'list', id: 'Y6nRLr' } }, lists: { data: [] } } },
      ),
    );
    expect(relationship.source).toEqual({ pointer: '/data/relationships/lists' });
  });

  it('bulk_create_events refuses an unknown attribute of one event, pointing into the job', async () => {
    const error = await refusal('/api/event-bulk-create-jobs', {
      data: {
        type: 'event-bulk-create-job',
        attributes: {
          'events-bulk-create': {
            data: [
              {
                type: 'event-bulk-create',
                attributes: {
                  profile: { data: { type: 'profile', attributes: { email: 'bulk@example.com' } } },
                  events: {
                    data: [
                      {
                        type: 'event',
                        attributes: {
                          properties: {},
                          metric: { data: { type: 'metric', attributes: { name: 'Viewed Product' } } },
                          uniqe_id: 'typo',
                        },
                      },
                    ],
                  },
                },
              },
            ],
          },
        },
      },
    });
    expect(error.source).toEqual({
      pointer: '/data/attributes/events-bulk-create/data/0/attributes/events/data/0/attributes/uniqe_id',
    });
    expect(error.detail).toBe("'uniqe_id' is not a valid field for the resource 'event'.");
  });

  it('create_event refuses an unknown profile attribute of the event', async () => {
    const error = await refusal('/api/events', {
      data: eventBody({ email: 'ev@example.com', nickname: 'E' }),
    });
    expect(error.source).toEqual({ pointer: '/data/attributes/profile/data/attributes/nickname' });
    expect(error.detail).toBe("'nickname' is not a valid field for the resource 'profile'.");
  });

  it('bulk_subscribe_profiles refuses last_name on a subscription profile, as Klaviyo does', async () => {
    const error = await refusal(
      '/api/profile-subscription-bulk-create-jobs',
      subscribeJob({
        email: 'sub@example.com',
        last_name: 'Mason',
        subscriptions: { email: { marketing: { consent: 'SUBSCRIBED' } } },
      }),
    );
    expect(error.source).toEqual({ pointer: '/data/attributes/profiles/data/0/attributes/last_name' });
    expect(error.detail).toBe("'last_name' is not a valid field for the resource 'profile'.");
  });

  it('bulk_subscribe_profiles refuses a misspelled consent channel', async () => {
    const error = await refusal(
      '/api/profile-subscription-bulk-create-jobs',
      subscribeJob({
        email: 'sub2@example.com',
        subscriptions: { emial: { marketing: { consent: 'SUBSCRIBED' } } },
      }),
    );
    expect(error.source).toEqual({
      pointer: '/data/attributes/profiles/data/0/attributes/subscriptions/emial',
    });
  });

  it('create_client_subscription refuses an unknown profile attribute', async () => {
    const list = await emu.api('/api/lists', {
      method: 'POST',
      body: { data: { type: 'list', attributes: { name: 'Strict list' } } },
    });
    const error = await refusal(`/client/subscriptions?company_id=${emu.account.publicKey}`, {
      data: {
        type: 'subscription',
        attributes: {
          profile: {
            data: { type: 'profile', attributes: { email: 'c@example.com', birthday: '2000-01-01' } },
          },
        },
        relationships: { list: { data: { type: 'list', id: list.body.data.id } } },
      },
    });
    expect(error.source).toEqual({ pointer: '/data/attributes/profile/data/attributes/birthday' });
  });

  it('create_catalog_item refuses an unknown attribute and a misspelled one', async () => {
    const base = {
      external_id: 'strict-tee',
      title: 'Tee',
      description: 'A tee.',
      url: 'https://shop.example/p/strict-tee',
    };
    const unknown = await refusal('/api/catalog-items', {
      data: { type: 'catalog-item', attributes: { ...base, colour: 'red' } },
    });
    expect(unknown.source).toEqual({ pointer: '/data/attributes/colour' });
    expect(unknown.detail).toBe("'colour' is not a valid field for the resource 'catalog-item'.");
    const misspelled = await refusal('/api/catalog-items', {
      data: { type: 'catalog-item', attributes: { ...base, imgae_full_url: 'https://x.example/a.png' } },
    });
    expect(misspelled.source).toEqual({ pointer: '/data/attributes/imgae_full_url' });
  });

  it('accepts null for a nullable object, which clears it ("null clears a field")', async () => {
    const set = await emu.api('/api/profile-import', {
      method: 'POST',
      body: {
        data: { type: 'profile', attributes: { email: 'null@example.com', location: { city: 'Oslo' } } },
      },
    });
    expect(set.status).toBe(201);
    const cleared = await emu.api('/api/profile-import', {
      method: 'POST',
      body: { data: { type: 'profile', attributes: { email: 'null@example.com', location: null } } },
    });
    expect(cleared.status, JSON.stringify(cleared.body)).toBe(200);
    expect(cleared.body.data.attributes.location).toEqual({});
  });

  it('still accepts free-form properties, which the spec leaves open', async () => {
    const accepted = await emu.api('/api/events', {
      method: 'POST',
      body: { data: eventBody({ email: 'free@example.com', properties: { anything: { nested: 1 } } }) },
    });
    expect(accepted.status).toBe(202);
  });
});
