import 'server-only';
import { paginate } from '../api';
import { policyFor } from './cache/budget';
import { readCached, type Source } from './cache/cached';
import type { FlowSummary, FlowsPage, Period } from './contracts';
import { nextCursor } from './cursor';
import type { AdminDeps } from './deps';
import { flowReportSource } from './reports';

const PAGE_SIZE = 25;

type FlowActions = { type: string; status: string | null }[];

/** An encoded action's type (send-email, time-delay, conditional-split...) and, for sends, its status. */
function actionOf(definition: unknown): { type: string; status: string | null } {
  const d = (definition ?? {}) as { type?: unknown; data?: { status?: unknown } };
  return {
    type: typeof d.type === 'string' ? d.type : 'unknown',
    status: typeof d.data?.status === 'string' ? d.data.status : null,
  };
}

/** A flow's actions (get_actions_for_flow: 3/s, 60/m), cached; a flow's shape changes rarely. */
export function flowActionsSource(deps: AdminDeps, id: string): Source<FlowActions> {
  return {
    key: `flow-actions:${id}`,
    ttlMs: 30 * 60_000,
    bucket: 'get_actions_for_flow',
    policy: policyFor('get_actions_for_flow', { share: 0.5 }),
    async fetch() {
      const actions: FlowActions = [];
      for await (const a of paginate(deps.klaviyo.client, 'get_actions_for_flow', { path: { id } }))
        actions.push(actionOf(a.attributes.definition));
      return actions;
    },
  };
}

/** One page of flows with their trigger, status, cached actions and the period's cached revenue. */
export async function listFlows(deps: AdminDeps, period: Period, cursor?: string): Promise<FlowsPage> {
  const [page, report] = await Promise.all([
    deps.klaviyo.client.call('get_flows', {
      query: { 'page[size]': PAGE_SIZE, 'page[cursor]': cursor, sort: 'name' },
    }),
    readCached(deps, flowReportSource(deps, period)),
  ]);
  const items = await Promise.all(
    page.data.map(
      async (f): Promise<FlowSummary> => ({
        id: f.id,
        name: f.attributes.name ?? f.id,
        status: f.attributes.status ?? null,
        archived: f.attributes.archived ?? false,
        triggerType: f.attributes.trigger_type ?? null,
        created: f.attributes.created ?? null,
        updated: f.attributes.updated ?? null,
        actions: await readCached(deps, flowActionsSource(deps, f.id)),
      }),
    ),
  );
  return { items, nextCursor: nextCursor(page.links), report };
}
