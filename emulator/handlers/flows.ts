import { type Context, type HandlerTable, noContent, ok } from '../core/context.js';
import { invalid, notFound } from '../core/errors.js';
import { isoTime } from '../core/ids.js';
import { listDocument, type Resource, readAttribute, relationship, toResource } from '../core/jsonapi.js';
import type { Account } from '../store/account.js';
import type { GenericRecord } from '../store/types.js';

/**
 * Flows, their actions and their messages, as three related record collections:
 * - `flow`: attributes {name, status, archived, created, updated, trigger_type}; relationships
 *   `flow-actions` (in flow order, the first is the entry action), `tags`, and the trigger as
 *   `list: [id]` or `metric: [id]`.
 * - `flow-action`: attributes {created, updated, definition} where `definition` is the spec's encoded
 *   action ({id, type, links, data}); relationships `flow` and `flow-messages`.
 * - `flow-message`: attributes {channel, created, updated, definition} (FlowEmail, FlowSms, ...);
 *   relationship `flow-action`.
 */
const FLOW = 'flow';
const ACTION = 'flow-action';
const MESSAGE = 'flow-message';

export const flowsOf = (account: Account) => account.collection(FLOW);
export const flowActionsOf = (account: Account) => account.collection(ACTION);
export const flowMessagesOf = (account: Account) => account.collection(MESSAGE);

// update_flow: "Status you want to update the flow to. ['draft', 'manual', or 'live']" (FlowUpdateQuery).
const FLOW_STATUSES = ['draft', 'manual', 'live'];

const refs = (type: string, ids: string[] = []) => ids.map((id) => ({ type, id }));

function related(account: Account, type: string, ids: string[] = []): GenericRecord[] {
  const collection = account.collection(type);
  return ids.map((id) => collection.get(id)).filter((r): r is GenericRecord => Boolean(r));
}

function findOr404(account: Account, type: string, id: string | undefined, label: string): GenericRecord {
  const record = id ? account.collection(type).get(id) : undefined;
  if (!record) throw notFound(`${label} '${id}' does not exist.`);
  return record;
}

const flowOr404 = (ctx: Context, id = ctx.params.id) => findOr404(ctx.account, FLOW, id, 'Flow');
const actionOr404 = (ctx: Context, id = ctx.params.id) => findOr404(ctx.account, ACTION, id, 'Flow action');
const messageOr404 = (ctx: Context, id = ctx.params.id) =>
  findOr404(ctx.account, MESSAGE, id, 'Flow message');

/** The flow's triggers as FlowDefinition `triggers` (ListTrigger / MetricTrigger). */
function triggersOf(flow: GenericRecord) {
  const list = flow.relationships.list?.[0];
  if (list) return [{ type: 'list', id: list }];
  const metric = flow.relationships.metric?.[0];
  if (metric) return [{ type: 'metric', id: metric, trigger_filter: null }];
  return [];
}

/** `additional-fields[flow]=definition`: the whole flow as one FlowDefinition document. */
function definitionOf(account: Account, flow: GenericRecord) {
  const actions = related(account, ACTION, flow.relationships['flow-actions']);
  return {
    triggers: triggersOf(flow),
    profile_filter: null,
    actions: actions.map((a) => a.attributes.definition),
    entry_action_id: actions[0]?.id ?? null,
  };
}

function renderFlow(ctx: Context, flow: GenericRecord): Resource {
  const withDefinition = (ctx.query.additionalFields.flow ?? []).includes('definition');
  const attributes = withDefinition
    ? { ...flow.attributes, definition: definitionOf(ctx.account, flow) }
    : flow.attributes;
  return toResource(ctx, FLOW, flow.id, attributes, {
    'flow-actions': relationship(
      ctx,
      FLOW,
      flow.id,
      'flow-actions',
      refs(ACTION, flow.relationships['flow-actions']),
    ),
    tags: relationship(ctx, FLOW, flow.id, 'tags', refs('tag', flow.relationships.tags)),
  });
}

function renderAction(ctx: Context, action: GenericRecord): Resource {
  const flowId = action.relationships.flow?.[0] ?? '';
  return toResource(ctx, ACTION, action.id, action.attributes, {
    flow: relationship(ctx, ACTION, action.id, 'flow', { type: FLOW, id: flowId }),
    'flow-messages': relationship(
      ctx,
      ACTION,
      action.id,
      'flow-messages',
      refs(MESSAGE, action.relationships['flow-messages']),
    ),
  });
}

function renderMessage(ctx: Context, message: GenericRecord): Resource {
  const actionId = message.relationships['flow-action']?.[0] ?? '';
  return toResource(ctx, MESSAGE, message.id, message.attributes, {
    'flow-action': relationship(ctx, MESSAGE, message.id, 'flow-action', { type: ACTION, id: actionId }),
    template: relationship(ctx, MESSAGE, message.id, 'template'),
  });
}

/** `include=` of flows, actions and messages (tags and templates are not emulated). */
function included(ctx: Context, records: GenericRecord[]) {
  const render: Record<string, [string, (c: Context, r: GenericRecord) => Resource]> = {
    flow: [FLOW, renderFlow],
    'flow-actions': [ACTION, renderAction],
    'flow-action': [ACTION, renderAction],
    'flow-messages': [MESSAGE, renderMessage],
  };
  const out = new Map<string, Resource>();
  for (const name of ctx.query.include) {
    const entry = render[name];
    if (!entry) continue;
    const [type, draw] = entry;
    for (const record of records) {
      for (const r of related(ctx.account, type, record.relationships[name]))
        out.set(`${type}:${r.id}`, draw(ctx, r));
    }
  }
  return out.size ? { included: [...out.values()] } : {};
}

// Dates filter and sort as epoch milliseconds; everything else reads the stored attribute.
function timestamps(record: GenericRecord, field: string): number | undefined {
  if (field === 'created') return record.createdMs;
  if (field === 'updated') return record.updatedMs;
  return undefined;
}

function readFlowField(flow: GenericRecord, field: string): unknown {
  if (field === 'id') return flow.id;
  return timestamps(flow, field) ?? readAttribute(flow.attributes, field);
}

function readActionField(action: GenericRecord, field: string): unknown {
  if (field === 'id') return action.id;
  if (field === 'action_type') return action.attributes.definition?.type;
  if (field === 'status') return action.attributes.definition?.data?.status;
  return timestamps(action, field);
}

function readMessageField(message: GenericRecord, field: string): unknown {
  if (field === 'id') return message.id;
  if (field === 'name') return message.attributes.definition?.name;
  return timestamps(message, field);
}

const sortBy = (read: (r: GenericRecord, field: string) => unknown) => (r: GenericRecord, field: string) =>
  read(r, field) as string | number | null | undefined;

function listOf(
  ctx: Context,
  records: GenericRecord[],
  read: (r: GenericRecord, f: string) => unknown,
  draw: typeof renderFlow,
) {
  const doc = listDocument(ctx, records, { read, sortValue: sortBy(read), render: (r) => draw(ctx, r) });
  const byId = new Map(records.map((r) => [r.id, r]));
  return {
    ...doc,
    ...included(
      ctx,
      doc.data.map((r) => byId.get(r.id) as GenericRecord),
    ),
  };
}

function single(ctx: Context, record: GenericRecord, draw: typeof renderFlow) {
  const data = draw(ctx, record);
  return ok({ data, links: { self: data.links.self }, ...included(ctx, [record]) });
}

export const flowHandlers: HandlerTable = {
  get_flows: (ctx) => ok(listOf(ctx, [...flowsOf(ctx.account).values()], readFlowField, renderFlow)),

  get_flow: (ctx) => single(ctx, flowOr404(ctx), renderFlow),

  /** "Update the status of a flow with the given flow ID, and all actions in that flow." */
  update_flow: (ctx) => {
    const flow = flowOr404(ctx);
    const status: string = ctx.body.data.attributes.status;
    if (!FLOW_STATUSES.includes(status)) {
      throw invalid(`'${status}' is not a valid flow status; use one of ${FLOW_STATUSES.join(', ')}.`, {
        pointer: '/data/attributes/status',
      });
    }
    const now = ctx.account.now();
    flow.attributes.status = status;
    flow.updatedMs = now;
    flow.attributes.updated = isoTime(now);
    for (const action of related(ctx.account, ACTION, flow.relationships['flow-actions'])) {
      const data = action.attributes.definition?.data;
      if (data && 'status' in data) data.status = status;
      action.updatedMs = now;
      action.attributes.updated = isoTime(now);
    }
    const data = renderFlow(ctx, flow);
    return ok({ data, links: { self: data.links.self } });
  },

  delete_flow: (ctx) => {
    const flow = flowOr404(ctx);
    for (const action of related(ctx.account, ACTION, flow.relationships['flow-actions'])) {
      for (const id of action.relationships['flow-messages'] ?? []) flowMessagesOf(ctx.account).delete(id);
      flowActionsOf(ctx.account).delete(action.id);
    }
    flowsOf(ctx.account).delete(flow.id);
    return noContent();
  },

  get_actions_for_flow: (ctx) => {
    const flow = flowOr404(ctx);
    const actions = related(ctx.account, ACTION, flow.relationships['flow-actions']);
    return ok(listOf(ctx, actions, readActionField, renderAction));
  },

  get_flow_action: (ctx) => single(ctx, actionOr404(ctx), renderAction),

  get_flow_for_flow_action: (ctx) => {
    const action = actionOr404(ctx);
    const data = renderFlow(ctx, flowOr404(ctx, action.relationships.flow?.[0]));
    return ok({ data, links: { self: data.links.self } });
  },

  get_flow_action_messages: (ctx) => {
    const action = actionOr404(ctx);
    const messages = related(ctx.account, MESSAGE, action.relationships['flow-messages']);
    return ok(listOf(ctx, messages, readMessageField, renderMessage));
  },

  get_flow_message: (ctx) => single(ctx, messageOr404(ctx), renderMessage),

  get_action_for_flow_message: (ctx) => {
    const message = messageOr404(ctx);
    const data = renderAction(ctx, actionOr404(ctx, message.relationships['flow-action']?.[0]));
    return ok({ data, links: { self: data.links.self } });
  },
};
