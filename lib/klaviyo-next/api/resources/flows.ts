import type { KlaviyoClient, ResponseOf } from '../client';
import { buildFilter, equals } from '../filter';
import { paginate } from '../paginate';

export type Flow = ResponseOf<'get_flows'>['data'][number];
export type FlowWithDefinition = ResponseOf<'get_flow'>['data'];
export type FlowAction = ResponseOf<'get_actions_for_flow'>['data'][number];
/** "Status you want to update the flow to. ['draft', 'manual', or 'live']" (FlowUpdateQuery). */
export type FlowStatus = 'draft' | 'manual' | 'live';

/** Flows and their actions, read-only: the admin lists them and shows what each one does. */
export function flowsResource(client: KlaviyoClient) {
  return {
    /**
     * Every flow, or only those of one status, page by page (50 a page, the default and the most
     * get_flows returns: "Returns a maximum of 50 flows per request").
     */
    list(options: { status?: FlowStatus } = {}) {
      const filter = options.status ? buildFilter(equals('status', options.status)) : undefined;
      return paginate(client, 'get_flows', { query: { filter } });
    },

    /**
     * One flow. With `definition: true` it also carries the whole encoded flow (triggers, actions
     * and how they link), which Klaviyo returns only when asked (`additional-fields[flow]`).
     */
    async get(id: string, options: { definition?: boolean } = {}): Promise<FlowWithDefinition> {
      const query = options.definition ? { 'additional-fields[flow]': ['definition' as const] } : {};
      return (await client.call('get_flow', { path: { id }, query })).data;
    },

    /** The actions of a flow (sends, delays, splits), each with its encoded definition, page by page. */
    actions(flowId: string) {
      return paginate(client, 'get_actions_for_flow', { path: { id: flowId } });
    },
  };
}
