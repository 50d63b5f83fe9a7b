import { describe, expect, it } from 'vitest';
import { type TestEmulator, withEmulator } from '../support/emulator.js';

/**
 * Which flows the emulator records as triggered (GET /__emulator/accounts/:id/flow-triggers): every
 * event of every create path whose metric starts a live flow of the seeded account, and every new
 * member of a list that starts a live flow, but never an event sent with `backfill: true` ("the event
 * is recorded but does NOT trigger flows", spec) nor a subscription with `historical_import: true`.
 * The seed's live flows: Post-Purchase and Winback on Placed Order, Abandoned Cart on Started
 * Checkout, Browse Abandon on Viewed Product, Welcome Series on the newsletter list; Review Request
 * (Fulfilled Order) is manual.
 */
let emu: TestEmulator;
let welcomeListId: string;

withEmulator({ seed: true, rateLimits: false }, async (started) => {
  emu = started;
  const flows = await emu.api('/api/flows');
  const welcome = flows.body.data.find((f: any) => f.attributes.name === 'Welcome Series');
  const definition = await emu.api(`/api/flows/${welcome.id}?additional-fields[flow]=definition`);
  welcomeListId = definition.body.data.attributes.definition.triggers[0].id;
});

interface Trigger {
  flowId: string;
  flowName: string;
  metric?: string;
  listId?: string;
  profileId: string;
  eventId?: string;
  at: string;
}

const triggers = async (accountId = emu.account.id): Promise<Trigger[]> =>
  (await emu.control(`/accounts/${accountId}/flow-triggers`)).data;

/** The triggers added by `action`, by flow name. */
async function triggeredBy(action: () => Promise<unknown>): Promise<Trigger[]> {
  const before = (await triggers()).length;
  await action();
  await emu.settle();
  return (await triggers()).slice(before);
}

const profileIdOf = async (email: string) =>
  (await emu.api(`/api/profiles?filter=${encodeURIComponent(`equals(email,"${email}")`)}`)).body.data[0]?.id;

const eventBody = (email: string, metric: string, extra: Record<string, unknown> = {}) => ({
  data: {
    type: 'event',
    attributes: {
      properties: { OrderId: `o-${email}` },
      metric: { data: { type: 'metric', attributes: { name: metric } } },
      profile: { data: { type: 'profile', attributes: { email } } },
      ...extra,
    },
  },
});

const sendEvent = async (email: string, metric: string, extra: Record<string, unknown> = {}) => {
  const res = await emu.api('/api/events', { method: 'POST', body: eventBody(email, metric, extra) });
  expect(res.status, JSON.stringify(res.body)).toBe(202);
};

const bulkEvents = (
  email: string,
  events: { uniqueId: string; backfill?: boolean }[],
  backfill?: boolean,
) => ({
  data: {
    type: 'event-bulk-create-job',
    attributes: {
      'events-bulk-create': {
        data: [
          {
            type: 'event-bulk-create',
            attributes: {
              ...(backfill !== undefined ? { backfill } : {}),
              profile: { data: { type: 'profile', attributes: { email } } },
              events: {
                data: events.map((e) => ({
                  type: 'event',
                  attributes: {
                    properties: {},
                    unique_id: e.uniqueId,
                    ...(e.backfill !== undefined ? { backfill: e.backfill } : {}),
                    metric: { data: { type: 'metric', attributes: { name: 'Placed Order' } } },
                  },
                })),
              },
            },
          },
        ],
      },
    },
  },
});

const subscribeBody = (
  email: string,
  options: { historical?: boolean; consentedAt?: string; listId?: string } = {},
) => ({
  data: {
    type: 'profile-subscription-bulk-create-job',
    attributes: {
      ...(options.historical !== undefined ? { historical_import: options.historical } : {}),
      profiles: {
        data: [
          {
            type: 'profile',
            attributes: {
              email,
              subscriptions: {
                email: {
                  marketing: {
                    consent: 'SUBSCRIBED',
                    ...(options.consentedAt ? { consented_at: options.consentedAt } : {}),
                  },
                },
              },
            },
          },
        ],
      },
    },
    relationships: { list: { data: { type: 'list', id: options.listId ?? welcomeListId } } },
  },
});

const subscribe = async (email: string, options: Parameters<typeof subscribeBody>[1] = {}) =>
  emu.api('/api/profile-subscription-bulk-create-jobs', {
    method: 'POST',
    body: subscribeBody(email, options),
  });

const names = (list: Trigger[]) => list.map((t) => t.flowName).sort();

describe('flow triggers of events', () => {
  it('records a live event once per live flow its metric starts, with the event and the profile', async () => {
    const added = await triggeredBy(() => sendEvent('live-order@example.com', 'Placed Order'));
    expect(names(added)).toEqual(['Post-Purchase', 'Winback']);
    const profileId = await profileIdOf('live-order@example.com');
    const events = (await emu.inspect('?events=full&metric=Placed Order')).events.filter(
      (e: any) => e.profileId === profileId,
    );
    expect(events).toHaveLength(1);
    for (const t of added) {
      expect(t).toMatchObject({ metric: 'Placed Order', profileId, eventId: events[0].id });
      expect(t.listId).toBeUndefined();
      expect(Date.parse(t.at)).not.toBeNaN();
    }
  });

  it('records nothing for a backfilled event, which is still recorded', async () => {
    const added = await triggeredBy(() =>
      sendEvent('backfill-order@example.com', 'Placed Order', { backfill: true, unique_id: 'bf-1' }),
    );
    expect(added).toEqual([]);
    const profileId = await profileIdOf('backfill-order@example.com');
    const events = (await emu.inspect('?events=full')).events.filter((e: any) => e.profileId === profileId);
    expect(events.map((e: any) => [e.metric, e.backfill])).toEqual([['Placed Order', true]]);
  });

  it('records nothing for a metric no live flow has, nor for the manual Review Request', async () => {
    expect(await triggeredBy(() => sendEvent('other@example.com', 'Opened Gift Card'))).toEqual([]);
    expect(await triggeredBy(() => sendEvent('other@example.com', 'Fulfilled Order'))).toEqual([]);
  });

  it('follows the flow status: a draft flow starts nothing until it is live again', async () => {
    const flows = await emu.api('/api/flows');
    const browse = flows.body.data.find((f: any) => f.attributes.name === 'Browse Abandon');
    const setStatus = (status: string) =>
      emu.api(`/api/flows/${browse.id}`, {
        method: 'PATCH',
        body: { data: { type: 'flow', id: browse.id, attributes: { status } } },
      });
    expect((await setStatus('draft')).status).toBe(200);
    expect(await triggeredBy(() => sendEvent('browser@example.com', 'Viewed Product'))).toEqual([]);
    expect((await setStatus('live')).status).toBe(200);
    const added = await triggeredBy(() =>
      sendEvent('browser@example.com', 'Viewed Product', { unique_id: 'view-2' }),
    );
    expect(names(added)).toEqual(['Browse Abandon']);
  });

  it('honours backfill on bulk jobs per event and per profile entry', async () => {
    const added = await triggeredBy(async () => {
      const mixed = bulkEvents('bulk-mixed@example.com', [
        { uniqueId: 'bm-live' },
        { uniqueId: 'bm-past', backfill: true },
      ]);
      const all = bulkEvents('bulk-past@example.com', [{ uniqueId: 'bp-1' }, { uniqueId: 'bp-2' }], true);
      for (const body of [mixed, all]) {
        expect((await emu.api('/api/event-bulk-create-jobs', { method: 'POST', body })).status).toBe(202);
      }
    });
    const live = (await emu.inspect('?events=full')).events.find((e: any) => e.uniqueId === 'bm-live');
    expect(names(added)).toEqual(['Post-Purchase', 'Winback']);
    expect(added.every((t) => t.eventId === live.id)).toBe(true);
  });

  it('records events from the browser (client) paths, and none from a backfilled client bulk', async () => {
    const company = `company_id=${emu.account.publicKey}`;
    const single = await triggeredBy(async () => {
      const body = eventBody('client-view@example.com', 'Started Checkout');
      expect((await emu.api(`/client/events?${company}`, { method: 'POST', body })).status).toBe(202);
    });
    expect(names(single)).toEqual(['Abandoned Cart']);
    const bulk = (backfill: boolean, uniqueId: string) => ({
      data: {
        type: 'event-bulk-create',
        attributes: {
          backfill,
          profile: { data: { type: 'profile', attributes: { email: 'client-bulk@example.com' } } },
          events: {
            data: [
              {
                type: 'event',
                attributes: {
                  properties: {},
                  unique_id: uniqueId,
                  metric: { data: { type: 'metric', attributes: { name: 'Started Checkout' } } },
                },
              },
            ],
          },
        },
      },
    });
    const post = async (body: unknown) =>
      expect((await emu.api(`/client/event-bulk-create?${company}`, { method: 'POST', body })).status).toBe(
        202,
      );
    expect(await triggeredBy(() => post(bulk(true, 'cb-1')))).toEqual([]);
    expect(names(await triggeredBy(() => post(bulk(false, 'cb-2'))))).toEqual(['Abandoned Cart']);
  });

  it('refuses a backfill flag that is not a boolean, recording nothing', async () => {
    const before = await triggers();
    const res = await emu.api('/api/events', {
      method: 'POST',
      body: eventBody('bad-flag@example.com', 'Placed Order', { backfill: 'yes' }),
    });
    expect(res.status).toBe(400);
    expect(res.body.errors[0].source.pointer).toBe('/data/attributes/backfill');
    expect(await triggers()).toEqual(before);
    expect(await profileIdOf('bad-flag@example.com')).toBeUndefined();
  });

  it('keeps one event when a live and a backfilled copy race, and triggers only if the live one won', async () => {
    const added = await triggeredBy(() =>
      Promise.all([
        sendEvent('race@example.com', 'Placed Order', { unique_id: 'race-1', backfill: true }),
        sendEvent('race@example.com', 'Placed Order', { unique_id: 'race-1' }),
      ]),
    );
    const profileId = await profileIdOf('race@example.com');
    const kept = (await emu.inspect('?events=full')).events.filter((e: any) => e.profileId === profileId);
    expect(kept).toHaveLength(1);
    if (kept[0].backfill) expect(added).toEqual([]);
    else expect(added.map((t) => t.eventId)).toEqual([kept[0].id, kept[0].id]);
  });

  it("records another account's events on that account only", async () => {
    const before = await triggers();
    const other = await emu.control('/accounts', 'POST', { name: 'Other store' });
    const res = await fetch(`${emu.url}/api/events`, {
      method: 'POST',
      headers: {
        Authorization: `Klaviyo-API-Key ${other.privateKey}`,
        revision: '2026-07-15',
        'content-type': 'application/vnd.api+json',
      },
      body: JSON.stringify(eventBody('elsewhere@example.com', 'Placed Order')),
    });
    expect(res.status).toBe(202);
    // The other account has no flows, so its event starts none, and this account's flows see nothing.
    expect(await triggers(other.id)).toEqual([]);
    expect(await triggers()).toEqual(before);
    expect(await profileIdOf('elsewhere@example.com')).toBeUndefined();
    const unknown = await fetch(`${emu.url}/__emulator/accounts/NOSUCH/flow-triggers`);
    expect(unknown.status).toBe(404);
  });
});

describe('flow triggers of list subscriptions', () => {
  it('records a new subscriber of the welcome list once, however often they join', async () => {
    const added = await triggeredBy(async () => {
      expect((await subscribe('welcome@example.com')).status).toBe(202);
      expect((await subscribe('welcome@example.com')).status).toBe(202);
    });
    const profileId = await profileIdOf('welcome@example.com');
    expect(added).toEqual([
      expect.objectContaining({ flowName: 'Welcome Series', listId: welcomeListId, profileId }),
    ]);
    expect(added[0]?.metric).toBeUndefined();
    // Removed and added again: "Contacts can only receive a list-triggered flow once".
    const member = { data: [{ type: 'profile', id: profileId }] };
    const path = `/api/lists/${welcomeListId}/relationships/profiles`;
    expect((await emu.api(path, { method: 'DELETE', body: member })).status).toBe(204);
    expect(await triggeredBy(() => emu.api(path, { method: 'POST', body: member }))).toEqual([]);
  });

  it('records profiles added to the list directly and by a bulk import', async () => {
    const created = await emu.api('/api/profiles', {
      method: 'POST',
      body: { data: { type: 'profile', attributes: { email: 'added@example.com' } } },
    });
    const profileId = created.body.data.id;
    const direct = await triggeredBy(() =>
      emu.api(`/api/lists/${welcomeListId}/relationships/profiles`, {
        method: 'POST',
        body: { data: [{ type: 'profile', id: profileId }] },
      }),
    );
    expect(direct).toEqual([expect.objectContaining({ flowName: 'Welcome Series', profileId })]);
    const imported = await triggeredBy(() =>
      emu.api('/api/profile-bulk-import-jobs', {
        method: 'POST',
        body: {
          data: {
            type: 'profile-bulk-import-job',
            attributes: {
              profiles: { data: [{ type: 'profile', attributes: { email: 'imported@example.com' } }] },
            },
            relationships: { lists: { data: [{ type: 'list', id: welcomeListId }] } },
          },
        },
      }),
    );
    expect(imported).toEqual([
      expect.objectContaining({
        flowName: 'Welcome Series',
        profileId: await profileIdOf('imported@example.com'),
      }),
    ]);
  });

  it('records nothing for a historical import, whose consent metric is recorded as backfill', async () => {
    const consentedAt = '2024-03-01T10:00:00+00:00';
    const added = await triggeredBy(async () => {
      expect((await subscribe('past@example.com', { historical: true, consentedAt })).status).toBe(202);
    });
    expect(added).toEqual([]);
    const profileId = await profileIdOf('past@example.com');
    const list = emu.emulator.accounts.get(emu.account.id)?.lists.get(welcomeListId);
    expect(list?.members.has(profileId)).toBe(true);
    const consent = (await emu.inspect('?events=full')).events.filter((e: any) => e.profileId === profileId);
    expect(consent.map((e: any) => [e.metric, e.backfill])).toEqual([
      ['Subscribed to Email Marketing', true],
    ]);
  });

  it('refuses a historical import without a past consented_at, and consented_at without one', async () => {
    const before = await triggers();
    const future = new Date(Date.now() + 86_400_000).toISOString();
    for (const [options, pointer] of [
      [{ historical: true }, 'consented_at'],
      [{ historical: true, consentedAt: future }, 'consented_at'],
      [{ consentedAt: '2024-03-01T10:00:00+00:00' }, 'consented_at'],
    ] as const) {
      const res = await subscribe('refused@example.com', options);
      expect(res.status, JSON.stringify(options)).toBe(400);
      expect(res.body.errors[0].source.pointer).toBe(
        `/data/attributes/profiles/data/0/attributes/subscriptions/email/marketing/${pointer}`,
      );
    }
    await emu.settle();
    expect(await triggers()).toEqual(before);
    expect(await profileIdOf('refused@example.com')).toBeUndefined();
  });

  it('records each of two interleaved subscriptions of different people once', async () => {
    const added = await triggeredBy(() =>
      Promise.all([
        subscribe('pair-a@example.com'),
        subscribe('pair-b@example.com'),
        subscribe('pair-a@example.com'),
      ]),
    );
    const ids = await Promise.all(['pair-a@example.com', 'pair-b@example.com'].map(profileIdOf));
    expect(added.map((t) => t.profileId).sort()).toEqual([...ids].sort());
  });
});
