import { describe, expect, it } from 'vitest';
import { type TestEmulator, withEmulator } from '../support/emulator.js';
import { sdkFailure, sdkFor } from '../support/sdk.js';

let emu: TestEmulator;
let sdk: ReturnType<typeof sdkFor>;

withEmulator({ rateLimits: false }, (started) => {
  emu = started;
  sdk = sdkFor(started);
});

async function createList(name: string, optInProcess = 'single_opt_in') {
  const created = await sdk.lists.createList({
    data: { type: 'list', attributes: { name, optInProcess } },
  } as never);
  return created.body.data.id as string;
}

type Consent = Record<string, Record<string, { consent: string; consentedAt?: string }>>;

function subscribeBody(
  profiles: { email?: string; phoneNumber?: string; id?: string; subscriptions: Consent }[],
  options: { listId?: string; historicalImport?: boolean; customSource?: string } = {},
) {
  return {
    data: {
      type: 'profile-subscription-bulk-create-job',
      attributes: {
        ...(options.customSource ? { customSource: options.customSource } : {}),
        ...(options.historicalImport !== undefined ? { historicalImport: options.historicalImport } : {}),
        profiles: {
          data: profiles.map(({ id, ...attributes }) => ({
            type: 'profile',
            ...(id ? { id } : {}),
            attributes,
          })),
        },
      },
      ...(options.listId ? { relationships: { list: { data: { type: 'list', id: options.listId } } } } : {}),
    },
  } as never;
}

function unsubscribeBody(
  profiles: { email?: string; phoneNumber?: string; subscriptions: Consent }[],
  listId?: string,
) {
  return {
    data: {
      type: 'profile-subscription-bulk-delete-job',
      attributes: { profiles: { data: profiles.map((attributes) => ({ type: 'profile', attributes })) } },
      ...(listId ? { relationships: { list: { data: { type: 'list', id: listId } } } } : {}),
    },
  } as never;
}

const emailMarketing: Consent = { email: { marketing: { consent: 'SUBSCRIBED' } } };
const emailOptOut: Consent = { email: { marketing: { consent: 'UNSUBSCRIBED' } } };

async function profileByEmail(email: string) {
  const found = await sdk.profiles.getProfiles({ filter: `equals(email,"${email}")` });
  const id = found.body.data[0]?.id;
  if (!id) throw new Error(`no profile for ${email}`);
  const profile = await sdk.profiles.getProfile(id, { additionalFieldsProfile: ['subscriptions'] });
  return profile.body.data;
}

async function memberIds(listId: string) {
  const page = await sdk.lists.getProfileIdsForList(listId, { pageSize: 100 });
  return page.body.data.map((r) => r.id);
}

describe('bulk_subscribe_profiles', () => {
  it('creates the profile, records email and SMS consent and adds it to the list', async () => {
    const listId = await createList('Subscribe target');
    const accepted = await sdk.profiles.bulkSubscribeProfiles(
      subscribeBody(
        [
          {
            email: 'sub-new@example.com',
            phoneNumber: '+15005550006',
            subscriptions: {
              email: { marketing: { consent: 'SUBSCRIBED' } },
              sms: { marketing: { consent: 'SUBSCRIBED' }, transactional: { consent: 'SUBSCRIBED' } },
            },
          },
        ],
        { listId, customSource: 'Checkout' },
      ),
    );
    expect(accepted.response.status).toBe(202);
    expect(accepted.response.data).toBe('');
    await emu.settle();

    const profile = await profileByEmail('sub-new@example.com');
    expect(profile.attributes.phoneNumber).toBe('+15005550006');
    const subs = profile.attributes.subscriptions;
    expect(subs?.email?.marketing).toMatchObject({
      consent: 'SUBSCRIBED',
      canReceiveEmailMarketing: true,
      method: 'API',
      customMethodDetail: 'Checkout',
      doubleOptin: false,
      suppression: [],
    });
    expect(subs?.email?.marketing?.consentTimestamp).toBeInstanceOf(Date);
    expect(subs?.sms?.marketing).toMatchObject({ consent: 'SUBSCRIBED', canReceiveSmsMarketing: true });
    expect(subs?.sms?.transactional).toMatchObject({
      consent: 'SUBSCRIBED',
      canReceiveSmsTransactional: true,
    });
    expect(await memberIds(listId)).toEqual([profile.id]);
  });

  it('subscribes an existing profile by id without creating another', async () => {
    const created = await sdk.profiles.createProfile({
      data: { type: 'profile', attributes: { email: 'by-id@example.com' } },
    } as never);
    const id = created.body.data.id as string;
    await sdk.profiles.bulkSubscribeProfiles(subscribeBody([{ id, subscriptions: emailMarketing }]));
    await emu.settle();
    const found = await sdk.profiles.getProfiles({ filter: 'equals(email,"by-id@example.com")' });
    expect(found.body.data.map((p) => p.id)).toEqual([id]);
    expect(
      (await profileByEmail('by-id@example.com')).attributes.subscriptions?.email?.marketing?.consent,
    ).toBe('SUBSCRIBED');
  });

  it('lifts an UNSUBSCRIBE suppression when the profile subscribes again', async () => {
    const email = 'resubscriber@example.com';
    await sdk.profiles.bulkSubscribeProfiles(subscribeBody([{ email, subscriptions: emailMarketing }]));
    await emu.settle();
    await sdk.profiles.bulkUnsubscribeProfiles(unsubscribeBody([{ email, subscriptions: emailOptOut }]));
    await emu.settle();
    const out = (await profileByEmail(email)).attributes.subscriptions?.email?.marketing;
    expect(out?.consent).toBe('UNSUBSCRIBED');
    expect(out?.suppression?.map((s) => s.reason)).toEqual(['UNSUBSCRIBE']);

    await sdk.profiles.bulkSubscribeProfiles(subscribeBody([{ email, subscriptions: emailMarketing }]));
    await emu.settle();
    const back = (await profileByEmail(email)).attributes.subscriptions?.email?.marketing;
    expect(back).toMatchObject({ consent: 'SUBSCRIBED', canReceiveEmailMarketing: true, suppression: [] });
  });

  it('holds email consent and list membership for a double opt-in list until confirmation', async () => {
    const listId = await createList('Confirm first', 'double_opt_in');
    const email = 'pending@example.com';
    await sdk.profiles.bulkSubscribeProfiles(
      subscribeBody([{ email, subscriptions: emailMarketing }], { listId }),
    );
    await emu.settle();
    const profile = await profileByEmail(email);
    expect(profile.attributes.subscriptions?.email?.marketing?.consent).toBe('NEVER_SUBSCRIBED');
    expect(await memberIds(listId)).toEqual([]);
    const seen = await emu.inspect();
    expect(seen.log).toContainEqual(
      expect.objectContaining({
        operation: 'bulk_subscribe_profiles',
        payload: expect.objectContaining({ list: listId, opt_in_process: 'double_opt_in' }),
      }),
    );
  });

  it('subscribes at once on a double opt-in list with historical_import and keeps consented_at', async () => {
    const listId = await createList('Imported history', 'double_opt_in');
    const email = 'historic@example.com';
    const consentedAt = '2024-06-01T09:30:00.000Z';
    await sdk.profiles.bulkSubscribeProfiles(
      subscribeBody(
        [{ email, subscriptions: { email: { marketing: { consent: 'SUBSCRIBED', consentedAt } } } }],
        {
          listId,
          historicalImport: true,
        },
      ),
    );
    await emu.settle();
    const profile = await profileByEmail(email);
    expect(profile.attributes.subscriptions?.email?.marketing?.consent).toBe('SUBSCRIBED');
    expect(profile.attributes.subscriptions?.email?.marketing?.consentTimestamp?.toISOString()).toBe(
      consentedAt,
    );
    expect(await memberIds(listId)).toEqual([profile.id]);
  });

  it('enforces the consented_at rules of historical imports', async () => {
    const future = new Date(Date.now() + 86_400_000).toISOString();
    const pointer = '/data/attributes/profiles/data/0/attributes/subscriptions/email/marketing/consented_at';
    const cases = [
      subscribeBody([{ email: 'h1@example.com', subscriptions: emailMarketing }], { historicalImport: true }),
      subscribeBody(
        [
          {
            email: 'h2@example.com',
            subscriptions: { email: { marketing: { consent: 'SUBSCRIBED', consentedAt: future } } },
          },
        ],
        { historicalImport: true },
      ),
      subscribeBody([
        {
          email: 'h3@example.com',
          subscriptions: {
            email: { marketing: { consent: 'SUBSCRIBED', consentedAt: '2024-01-01T00:00:00Z' } },
          },
        },
      ]),
    ];
    for (const body of cases) {
      const error = await sdkFailure(sdk.profiles.bulkSubscribeProfiles(body));
      expect(error).toMatchObject({ status: 400, errors: [{ code: 'invalid', source: { pointer } }] });
    }
  });

  it('rejects channel consent without the identifier it needs, and malformed identifiers', async () => {
    const noEmail = await sdkFailure(
      sdk.profiles.bulkSubscribeProfiles(
        subscribeBody([{ phoneNumber: '+15005550007', subscriptions: emailMarketing }]),
      ),
    );
    expect(noEmail.errors[0]).toMatchObject({
      source: { pointer: '/data/attributes/profiles/data/0/attributes/email' },
    });
    const badPhone = await sdkFailure(
      sdk.profiles.bulkSubscribeProfiles(
        subscribeBody([
          { phoneNumber: '555-0100', subscriptions: { sms: { marketing: { consent: 'SUBSCRIBED' } } } },
        ]),
      ),
    );
    expect(badPhone.errors[0]).toMatchObject({
      source: { pointer: '/data/attributes/profiles/data/0/attributes/phone_number' },
    });
  });

  it('rejects more than 1000 profiles and an unknown list', async () => {
    const many = Array.from({ length: 1001 }, (_, i) => ({
      email: `bulk${i}@example.com`,
      subscriptions: emailMarketing,
    }));
    const tooMany = await sdkFailure(sdk.profiles.bulkSubscribeProfiles(subscribeBody(many)));
    expect(tooMany).toMatchObject({
      status: 400,
      errors: [{ code: 'invalid', source: { pointer: '/data/attributes/profiles/data' } }],
    });
    const unknownList = await sdkFailure(
      sdk.profiles.bulkSubscribeProfiles(
        subscribeBody([{ email: 'x@example.com', subscriptions: emailMarketing }], { listId: 'nope00' }),
      ),
    );
    expect(unknownList).toMatchObject({
      status: 400,
      errors: [{ source: { pointer: '/data/relationships/list/data/id' } }],
    });
  });

  it('accepts exactly 1000 profiles', async () => {
    const many = Array.from({ length: 1000 }, (_, i) => ({
      email: `thousand${i}@example.com`,
      subscriptions: emailMarketing,
    }));
    expect((await sdk.profiles.bulkSubscribeProfiles(subscribeBody(many))).response.status).toBe(202);
    await emu.settle();
    const profile = await profileByEmail('thousand999@example.com');
    expect(profile.attributes.subscriptions?.email?.marketing?.consent).toBe('SUBSCRIBED');
  });
});

describe('bulk_unsubscribe_profiles', () => {
  it('unsubscribes a list member at list level: removed from the list, global consent kept', async () => {
    const listId = await createList('Unsubscribe from me');
    const email = 'list-level@example.com';
    await sdk.profiles.bulkSubscribeProfiles(
      subscribeBody([{ email, subscriptions: emailMarketing }], { listId }),
    );
    await emu.settle();
    const accepted = await sdk.profiles.bulkUnsubscribeProfiles(
      unsubscribeBody([{ email, subscriptions: emailOptOut }], listId),
    );
    expect(accepted.response.status).toBe(202);
    await emu.settle();
    expect(await memberIds(listId)).toEqual([]);
    const marketing = (await profileByEmail(email)).attributes.subscriptions?.email?.marketing;
    expect(marketing?.consent).toBe('SUBSCRIBED');
    expect(marketing?.listSuppressions).toEqual([
      expect.objectContaining({ listId, reason: 'UNSUBSCRIBE', timestamp: expect.any(Date) }),
    ]);
  });

  it('unsubscribes globally a profile that is not in the given list', async () => {
    const listId = await createList('Not a member here');
    const email = 'global@example.com';
    await sdk.profiles.bulkSubscribeProfiles(
      subscribeBody([
        {
          email,
          phoneNumber: '+15005550010',
          subscriptions: { ...emailMarketing, sms: { marketing: { consent: 'SUBSCRIBED' } } },
        },
      ]),
    );
    await emu.settle();
    await sdk.profiles.bulkUnsubscribeProfiles(
      unsubscribeBody(
        [
          {
            email,
            phoneNumber: '+15005550010',
            subscriptions: { ...emailOptOut, sms: { marketing: { consent: 'UNSUBSCRIBED' } } },
          },
        ],
        listId,
      ),
    );
    await emu.settle();
    const subs = (await profileByEmail(email)).attributes.subscriptions;
    expect(subs?.email?.marketing).toMatchObject({
      consent: 'UNSUBSCRIBED',
      canReceiveEmailMarketing: false,
    });
    expect(subs?.email?.marketing?.suppression?.map((s) => s.reason)).toEqual(['UNSUBSCRIBE']);
    expect(subs?.sms?.marketing).toMatchObject({ consent: 'UNSUBSCRIBED', canReceiveSmsMarketing: false });
  });

  it('records an opt-out for an email Klaviyo has not seen', async () => {
    await sdk.profiles.bulkUnsubscribeProfiles(
      unsubscribeBody([{ email: 'never-seen@example.com', subscriptions: emailOptOut }]),
    );
    await emu.settle();
    const marketing = (await profileByEmail('never-seen@example.com')).attributes.subscriptions?.email
      ?.marketing;
    expect(marketing?.consent).toBe('UNSUBSCRIBED');
  });

  it('rejects more than 100 profiles', async () => {
    const many = Array.from({ length: 101 }, (_, i) => ({
      email: `un${i}@example.com`,
      subscriptions: emailOptOut,
    }));
    const error = await sdkFailure(sdk.profiles.bulkUnsubscribeProfiles(unsubscribeBody(many)));
    expect(error).toMatchObject({
      status: 400,
      errors: [{ code: 'invalid', source: { pointer: '/data/attributes/profiles/data' } }],
    });
  });

  it('appends each accepted consent write to the account log', async () => {
    const email = 'logged@example.com';
    await sdk.profiles.bulkUnsubscribeProfiles(unsubscribeBody([{ email, subscriptions: emailOptOut }]));
    const seen = await emu.inspect();
    const entry = seen.log.find(
      (e: any) =>
        e.operation === 'bulk_unsubscribe_profiles' && e.payload.profiles.data[0]?.attributes.email === email,
    );
    expect(entry).toBeDefined();
    expect(entry.payload.profiles.data[0].attributes.subscriptions).toEqual({
      email: { marketing: { consent: 'UNSUBSCRIBED' } },
    });
  });
});

describe('bulk profile import jobs', () => {
  function importBody(profiles: Record<string, unknown>[], listIds: string[] = []) {
    return {
      data: {
        type: 'profile-bulk-import-job',
        attributes: { profiles: { data: profiles.map((attributes) => ({ type: 'profile', attributes })) } },
        ...(listIds.length
          ? { relationships: { lists: { data: listIds.map((id) => ({ type: 'list', id })) } } }
          : {}),
      },
    } as never;
  }

  it('queues a job, then imports valid profiles into the list and reports the invalid one', async () => {
    const listId = await createList('Imported');
    const accepted = await sdk.profiles.bulkImportProfiles(
      importBody(
        [
          { email: 'import-a@example.com', firstName: 'Ana' },
          { email: 'import-b@example.com', properties: { tier: 'gold' } },
          { email: 'not-an-email' },
        ],
        [listId],
      ),
    );
    expect(accepted.response.status).toBe(202);
    const queued = accepted.body.data;
    expect(queued.type).toBe('profile-bulk-import-job');
    expect(queued.attributes).toMatchObject({ status: 'queued', totalCount: 3, completedCount: 0 });
    await emu.settle();

    const job = await sdk.profiles.getBulkImportProfilesJob(queued.id, { include: ['lists'] });
    expect(job.body.data.attributes).toMatchObject({ status: 'complete', completedCount: 2, failedCount: 1 });
    expect(job.body.data.relationships?.lists?.data).toEqual([{ type: 'list', id: listId }]);
    expect(job.body.included?.map((l) => l.id)).toEqual([listId]);

    const errors = await sdk.profiles.getErrorsForBulkImportProfilesJob(queued.id);
    expect(errors.body.data).toHaveLength(1);
    expect(errors.body.data[0]?.attributes).toMatchObject({
      code: 'invalid',
      source: { pointer: '/data/attributes/profiles/data/2/attributes/email' },
      originalPayload: { type: 'profile', attributes: { email: 'not-an-email' } },
    });

    const profiles = await sdk.profiles.getProfilesForBulkImportProfilesJob(queued.id);
    expect(profiles.body.data.map((p) => p.attributes.email)).toEqual([
      'import-a@example.com',
      'import-b@example.com',
    ]);
    expect(profiles.body.data[0]?.attributes.firstName).toBe('Ana');
    const ids = await sdk.profiles.getProfileIdsForBulkImportProfilesJob(queued.id);
    expect(ids.body.data.map((r) => r.id)).toEqual(profiles.body.data.map((p) => p.id));
    expect((await memberIds(listId)).sort()).toEqual(profiles.body.data.map((p) => p.id).sort());

    const lists = await sdk.profiles.getListForBulkImportProfilesJob(queued.id);
    expect(lists.body.data.map((l) => l.attributes.name)).toEqual(['Imported']);
    const listIds = await sdk.profiles.getListIdsForBulkImportProfilesJob(queued.id);
    expect(listIds.body.data).toEqual([{ type: 'list', id: listId }]);
  });

  it('updates an existing profile rather than duplicating it', async () => {
    await sdk.profiles.createProfile({
      data: { type: 'profile', attributes: { email: 'update-me@example.com', firstName: 'Old' } },
    } as never);
    const job = await sdk.profiles.bulkImportProfiles(
      importBody([{ email: 'update-me@example.com', firstName: 'New' }]),
    );
    await emu.settle();
    const found = await sdk.profiles.getProfiles({ filter: 'equals(email,"update-me@example.com")' });
    expect(found.body.data.map((p) => p.attributes.firstName)).toEqual(['New']);
    const done = await sdk.profiles.getBulkImportProfilesJob(job.body.data.id);
    expect(done.body.data.attributes.completedCount).toBe(1);
  });

  it('lists import jobs with a status filter and sorting', async () => {
    const first = await sdk.profiles.bulkImportProfiles(importBody([{ email: 'jobs-1@example.com' }]));
    await emu.settle();
    const second = await sdk.profiles.bulkImportProfiles(importBody([{ email: 'jobs-2@example.com' }]));
    await emu.settle();
    const complete = await sdk.profiles.getBulkImportProfilesJobs({
      filter: 'equals(status,"complete")',
      sort: '-created_at',
      pageSize: 100,
    });
    const ids = complete.body.data.map((j) => j.id);
    expect(ids).toContain(first.body.data.id);
    expect(ids.indexOf(second.body.data.id)).toBeLessThan(ids.indexOf(first.body.data.id));
    expect(complete.body.data.every((j) => j.attributes.status === 'complete')).toBe(true);
    const badFilter = await sdkFailure(
      sdk.profiles.getBulkImportProfilesJobs({ filter: 'equals(total_count,1)' }),
    );
    expect(badFilter).toMatchObject({ status: 400, errors: [{ source: { parameter: 'filter' } }] });
  });

  it('rejects more than 10,000 profiles, an oversized profile and an unknown list', async () => {
    const many = Array.from({ length: 10_001 }, (_, i) => ({ email: `i${i}@x.io` }));
    expect(await sdkFailure(sdk.profiles.bulkImportProfiles(importBody(many)))).toMatchObject({
      status: 400,
      errors: [{ source: { pointer: '/data/attributes/profiles/data' } }],
    });
    const big = { email: 'big@example.com', properties: { notes: 'x'.repeat(101 * 1024) } };
    expect(
      await sdkFailure(sdk.profiles.bulkImportProfiles(importBody([{ email: 'ok@example.com' }, big]))),
    ).toMatchObject({
      status: 400,
      errors: [{ source: { pointer: '/data/attributes/profiles/data/1' } }],
    });
    expect(
      await sdkFailure(
        sdk.profiles.bulkImportProfiles(importBody([{ email: 'ok@example.com' }], ['nope00'])),
      ),
    ).toMatchObject({
      status: 400,
      errors: [{ source: { pointer: '/data/relationships/lists/data/0/id' } }],
    });
  });

  it('answers 404 for an unknown job id', async () => {
    for (const call of [
      sdk.profiles.getBulkImportProfilesJob('01NOPE0000000000000000000'),
      sdk.profiles.getErrorsForBulkImportProfilesJob('01NOPE0000000000000000000'),
      sdk.profiles.getProfilesForBulkImportProfilesJob('01NOPE0000000000000000000'),
      sdk.profiles.getListForBulkImportProfilesJob('01NOPE0000000000000000000'),
    ]) {
      expect(await sdkFailure(call)).toMatchObject({ status: 404, errors: [{ code: 'not_found' }] });
    }
  });
});

describe('request_profile_deletion', () => {
  function deletionBody(data: Record<string, unknown>) {
    return {
      data: {
        type: 'data-privacy-deletion-job',
        attributes: { profile: { data: { type: 'profile', ...data } } },
      },
    } as never;
  }

  it('deletes the profile with its events and memberships, and logs the request', async () => {
    const email = 'forget-me@example.com';
    const listId = await createList('Deletion');
    await sdk.profiles.bulkSubscribeProfiles(
      subscribeBody([{ email, subscriptions: emailMarketing }], { listId }),
    );
    await sdk.events.createEvent({
      data: {
        type: 'event',
        attributes: {
          properties: {},
          metric: { data: { type: 'metric', attributes: { name: 'Viewed Product' } } },
          profile: { data: { type: 'profile', attributes: { email } } },
        },
      },
    } as never);
    await emu.settle();
    const profile = await profileByEmail(email);

    const accepted = await sdk.dataPrivacy.requestProfileDeletion(deletionBody({ attributes: { email } }));
    expect(accepted.response.status).toBe(202);
    await emu.settle();

    expect(await sdkFailure(sdk.profiles.getProfile(profile.id as string))).toMatchObject({ status: 404 });
    expect(await memberIds(listId)).toEqual([]);
    const seen = await emu.inspect('?events=full');
    expect(seen.events.filter((e: any) => e.profileId === profile.id)).toEqual([]);
    expect(seen.log).toContainEqual(
      expect.objectContaining({
        operation: 'request_profile_deletion',
        payload: { email, profile_ids: [profile.id] },
      }),
    );
  });

  it('requires exactly one identifier', async () => {
    for (const data of [
      { attributes: { email: 'a@example.com', phoneNumber: '+15005550006' } },
      { attributes: {} },
      { id: '01NOPE0000000000000000000', attributes: { email: 'a@example.com' } },
    ]) {
      expect(await sdkFailure(sdk.dataPrivacy.requestProfileDeletion(deletionBody(data)))).toMatchObject({
        status: 400,
        errors: [{ code: 'invalid', source: { pointer: '/data/attributes/profile/data' } }],
      });
    }
  });
});
