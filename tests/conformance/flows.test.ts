import { describe, expect, it } from 'vitest';
import { type TestEmulator, withEmulator } from '../support/emulator.js';
import { sdkFailure, sdkFor } from '../support/sdk.js';

let emu: TestEmulator;
let sdk: ReturnType<typeof sdkFor>;
/** A second seeded account for the tests that change flows (tests run shuffled). */
let scratch: TestEmulator;
let scratchSdk: ReturnType<typeof sdkFor>;

// Flows are limited to 3/s; these tests go faster than that.
withEmulator({ seed: true }, async (started) => {
  emu = started;
  sdk = sdkFor(started);
  await emu.setRateLimits(false);
});
withEmulator({ seed: true }, async (started) => {
  scratch = started;
  scratchSdk = sdkFor(started);
  await scratch.setRateLimits(false);
});

/** The raw JSON:API document (the SDK's deserializer renames attributes to camelCase). */
const raw = (res: { response: { data: any } }) => res.response.data;

async function flowNamed(name: string, api = sdk) {
  const res = await api.flows.getFlows({ filter: `equals(name,"${name}")` });
  const flow = res.body.data[0];
  if (!flow) throw new Error(`no flow named ${name}`);
  return flow;
}

describe('get_flows', () => {
  it('lists the six classic flows with their trigger types', async () => {
    const res = await sdk.flows.getFlows({ sort: 'name' });
    const flows = raw(res).data.map((f: any) => [f.attributes.name, f.attributes.trigger_type]);
    expect(flows).toEqual([
      ['Abandoned Cart', 'Metric'],
      ['Browse Abandon', 'Metric'],
      ['Post-Purchase', 'Metric'],
      ['Review Request', 'Metric'],
      ['Welcome Series', 'Added to List'],
      ['Winback', 'Metric'],
    ]);
  });

  it('filters on trigger type, status and name', async () => {
    const listTriggered = await sdk.flows.getFlows({ filter: 'equals(trigger_type,"Added to List")' });
    expect(listTriggered.body.data.map((f) => f.attributes.name)).toEqual(['Welcome Series']);
    const manual = await sdk.flows.getFlows({ filter: 'equals(status,"manual")' });
    expect(manual.body.data.map((f) => f.attributes.name)).toEqual(['Review Request']);
    const carts = await sdk.flows.getFlows({ filter: 'contains(name,"Cart"),equals(archived,false)' });
    expect(carts.body.data.map((f) => f.attributes.name)).toEqual(['Abandoned Cart']);
    const recent = new Date(Date.now() - 100 * 86_400_000).toISOString();
    const none = await sdk.flows.getFlows({ filter: `greater-than(created,${recent})` });
    expect(none.body.data).toEqual([]);
  });

  it('rejects filters the endpoint does not allow, and quoted datetimes', async () => {
    const field = await sdkFailure(sdk.flows.getFlows({ filter: 'equals(channel,"email")' }));
    expect(field.status).toBe(400);
    expect(field.errors[0]).toMatchObject({ code: 'invalid', source: { parameter: 'filter' } });
    const operator = await sdkFailure(sdk.flows.getFlows({ filter: 'contains(status,"li")' }));
    expect(operator.status).toBe(400);
    const quoted = await sdkFailure(
      sdk.flows.getFlows({ filter: 'greater-than(created,"2024-01-01T00:00:00Z")' }),
    );
    expect(quoted.status).toBe(400);
    expect(quoted.errors[0].detail).toMatch(/must not be quoted/);
  });

  it('pages at most 50 flows, following links.next', async () => {
    const first = await sdk.flows.getFlows({ pageSize: 4, sort: '-created' });
    expect(first.body.data).toHaveLength(4);
    const second = await sdk.flows.getFlows({
      pageSize: 4,
      sort: '-created',
      pageCursor: first.body.links?.next,
    });
    expect(second.body.data).toHaveLength(2);
    expect(second.body.links?.prev).toBeDefined();
    const ids = [...first.body.data, ...second.body.data].map((f) => f.id);
    expect(new Set(ids).size).toBe(6);
    expect((await sdkFailure(sdk.flows.getFlows({ pageSize: 51 }))).status).toBe(400);
  });

  it('includes flow actions', async () => {
    const res = await sdk.flows.getFlows({
      filter: 'equals(name,"Browse Abandon")',
      include: ['flow-actions'],
    });
    const doc = raw(res);
    const actionIds = doc.data[0].relationships['flow-actions'].data.map((a: any) => a.id);
    expect(doc.included.map((a: any) => a.id)).toEqual(actionIds);
    expect(doc.included.map((a: any) => a.attributes.definition.type)).toEqual([
      'time-delay',
      'conditional-split',
      'send-email',
    ]);
  });
});

describe('a flow, its actions and messages', () => {
  it('returns the flow definition on request, and 404s an unknown flow', async () => {
    const welcome = await flowNamed('Welcome Series');
    const res = await sdk.flows.getFlow(welcome.id, { additionalFieldsFlow: ['definition'] });
    const definition = raw(res).data.attributes.definition;
    expect(definition.triggers).toEqual([{ type: 'list', id: expect.any(String) }]);
    expect(definition.actions.map((a: any) => a.type)).toEqual([
      'send-email',
      'time-delay',
      'send-email',
      'time-delay',
      'conditional-split',
      'send-email',
    ]);
    expect(definition.entry_action_id).toBe(definition.actions[0].id);
    expect(definition.actions[0].links.next).toBe(definition.actions[1].id);
    const plain = await sdk.flows.getFlow(welcome.id);
    expect(raw(plain).data.attributes.definition).toBeUndefined();
    const missing = await sdkFailure(sdk.flows.getFlow('NOPE12'));
    expect(missing).toMatchObject({ status: 404, errors: [{ code: 'not_found' }] });
  });

  it('lists a flow’s actions with filters, sorting and paging', async () => {
    const cart = await flowNamed('Abandoned Cart');
    const all = await sdk.flows.getActionsForFlow(cart.id);
    expect(all.body.data).toHaveLength(9);
    const sends = await sdk.flows.getActionsForFlow(cart.id, {
      filter: 'any(action_type,["send-email","send-sms"])',
    });
    expect(
      raw(sends)
        .data.map((a: any) => a.attributes.definition.type)
        .sort(),
    ).toEqual(['send-email', 'send-email', 'send-sms']);
    const live = await sdk.flows.getActionsForFlow(cart.id, { filter: 'equals(status,"live")' });
    expect(live.body.data).toHaveLength(3);
    const page = await sdk.flows.getActionsForFlow(cart.id, { pageSize: 5, sort: 'id' });
    expect(page.body.data).toHaveLength(5);
    expect(page.body.links?.next).toContain('/api/flows/');
    expect((await sdkFailure(sdk.flows.getActionsForFlow('NOPE12'))).status).toBe(404);
  });

  it('gets an action with its messages, the messages of an action, and a message with its action', async () => {
    const post = await flowNamed('Post-Purchase');
    const actions = raw(
      await sdk.flows.getActionsForFlow(post.id, { filter: 'equals(action_type,"send-email")' }),
    );
    const actionId = actions.data[0].id;
    const action = raw(await sdk.flows.getFlowAction(actionId, { include: ['flow', 'flow-messages'] }));
    expect(action.data.relationships.flow.data).toEqual({ type: 'flow', id: post.id });
    expect(action.included.map((r: any) => r.type).sort()).toEqual(['flow', 'flow-message']);
    const messages = raw(await sdk.flows.getFlowActionMessages(actionId, { sort: 'name' }));
    expect(messages.data).toHaveLength(1);
    const message = messages.data[0];
    expect(message.attributes).toMatchObject({
      channel: 'email',
      definition: { name: 'Post-Purchase Thank You', subject_line: 'Thanks for your order!' },
    });
    expect(action.data.attributes.definition.data.message.id).toBe(message.id);
    const named = raw(
      await sdk.flows.getFlowActionMessages(actionId, { filter: 'starts-with(name,"Post")' }),
    );
    expect(named.data).toHaveLength(1);
    const single = raw(await sdk.flows.getFlowMessage(message.id, { include: ['flow-action'] }));
    expect(single.included.map((r: any) => r.id)).toEqual([actionId]);
    const parentAction = await sdk.flows.getActionForFlowMessage(message.id);
    expect(parentAction.body.data?.id).toBe(actionId);
    const parentFlow = await sdk.flows.getFlowForFlowAction(actionId);
    expect(parentFlow.body.data?.id).toBe(post.id);
    expect((await sdkFailure(sdk.flows.getFlowAction('1'))).status).toBe(404);
    expect((await sdkFailure(sdk.flows.getFlowMessage('nope'))).status).toBe(404);
  });
});

describe('update_flow and delete_flow', () => {
  it('sets the status of the flow and of all its actions', async () => {
    const winback = await flowNamed('Winback', scratchSdk);
    const res = await scratchSdk.flows.updateFlow(winback.id, {
      data: { type: 'flow', id: winback.id, attributes: { status: 'draft' } },
    } as never);
    expect(res.body.data.attributes.status).toBe('draft');
    const actions = raw(
      await scratchSdk.flows.getActionsForFlow(winback.id, { filter: 'equals(status,"draft")' }),
    );
    expect(actions.data.map((a: any) => a.attributes.definition.type)).toEqual(['send-email', 'send-sms']);
    const invalidStatus = await sdkFailure(
      sdk.flows.updateFlow(winback.id, {
        data: { type: 'flow', id: winback.id, attributes: { status: 'paused' } },
      } as never),
    );
    expect(invalidStatus.status).toBe(400);
    expect(invalidStatus.errors[0].source).toEqual({ pointer: '/data/attributes/status' });
  });

  it('deletes a flow with its actions and messages', async () => {
    const review = await flowNamed('Review Request', scratchSdk);
    const actions = raw(await scratchSdk.flows.getActionsForFlow(review.id));
    const res = await scratchSdk.flows.deleteFlow(review.id);
    expect(res.response.status).toBe(204);
    expect((await sdkFailure(scratchSdk.flows.getFlow(review.id))).status).toBe(404);
    expect((await sdkFailure(scratchSdk.flows.getFlowAction(actions.data[0].id))).status).toBe(404);
    expect((await scratchSdk.flows.getFlows()).body.data).toHaveLength(5);
  });
});
