import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Account } from '../../emulator/store/account.js';
import type { GenericRecord } from '../../emulator/store/types.js';
import { KlaviyoApiError } from '../../lib/klaviyo-next/api/errors.js';
import { flowsResource } from '../../lib/klaviyo-next/api/resources/flows.js';
import { collect } from '../support/collect.js';
import { startTestEmulator, type TestEmulator } from '../support/emulator.js';
import { klaviyoFor } from '../support/klaviyo.js';

let emu: TestEmulator;
let flows: ReturnType<typeof flowsResource>;
let held: Account;

beforeAll(async () => {
  emu = await startTestEmulator({ seed: true });
  flows = flowsResource(klaviyoFor(emu).client);
  held = emu.emulator.accounts.get(emu.account.id) as Account;
});
afterAll(async () => {
  expect(emu.specViolations).toEqual([]);
  await emu.close();
});

const heldFlows = (): GenericRecord[] => [...held.collection('flow').values()];
const heldFlow = (name: string): GenericRecord => {
  const flow = heldFlows().find((f) => f.attributes.name === name);
  if (!flow) throw new Error(`The seed has no flow '${name}'.`);
  return flow;
};
const ids = (records: { id: string }[]) => records.map((r) => r.id).sort();

describe('flows resource', () => {
  it('lists every flow the account holds', async () => {
    const listed = await collect(flows.list());
    expect(listed).toHaveLength(6);
    expect(ids(listed)).toEqual(ids(heldFlows()));
    const welcome = listed.find((f) => f.attributes.name === 'Welcome Series');
    expect(welcome?.attributes).toMatchObject({
      status: 'live',
      archived: false,
      trigger_type: 'Added to List',
    });
  });

  it('filters by status', async () => {
    const live = await collect(flows.list({ status: 'live' }));
    expect(ids(live)).toEqual(ids(heldFlows().filter((f) => f.attributes.status === 'live')));
    expect(live).toHaveLength(5);
    const manual = await collect(flows.list({ status: 'manual' }));
    expect(manual.map((f) => f.attributes.name)).toEqual(['Review Request']);
    expect(await collect(flows.list({ status: 'draft' }))).toEqual([]);
  });

  it('gets one flow, with its encoded definition only when asked', async () => {
    const record = heldFlow('Abandoned Cart');
    const plain = await flows.get(record.id);
    expect(plain.id).toBe(record.id);
    expect(plain.attributes.name).toBe('Abandoned Cart');
    expect(plain.attributes.definition).toBeUndefined();

    const full = await flows.get(record.id, { definition: true });
    const actionIds = record.relationships['flow-actions'] ?? [];
    expect(full.attributes.definition?.entry_action_id).toBe(actionIds[0]);
    expect(full.attributes.definition?.actions.map((a) => a.id)).toEqual(actionIds);
    expect(full.attributes.definition?.triggers).toEqual([
      { type: 'metric', id: held.metricByName('Started Checkout').id, trigger_filter: null },
    ]);
  });

  it("lists a flow's actions in flow order, with their definitions", async () => {
    const record = heldFlow('Abandoned Cart');
    const actions = await collect(flows.actions(record.id));
    expect(actions.map((a) => a.id)).toEqual(record.relationships['flow-actions']);
    // delay, split, email, delay, split, sms, delay, split, email (seed/marketing.ts).
    expect(actions.map((a) => a.attributes.definition?.type)).toEqual([
      'time-delay',
      'conditional-split',
      'send-email',
      'time-delay',
      'conditional-split',
      'send-sms',
      'time-delay',
      'conditional-split',
      'send-email',
    ]);
    for (const action of actions) expect(action.relationships?.flow?.data?.id).toBe(record.id);
  });

  it('answers an unknown flow with a typed 404', async () => {
    for (const call of [() => flows.get('NOPE12'), () => collect(flows.actions('NOPE12'))]) {
      const error = await call().catch((e: unknown) => e);
      expect(error).toBeInstanceOf(KlaviyoApiError);
      expect(error).toMatchObject({ status: 404, code: 'not_found' });
    }
  });
});
