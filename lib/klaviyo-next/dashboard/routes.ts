import 'server-only';
import { z } from 'zod';
import { errorResponse } from '../http/error-response';
import type { MerchantGuard } from '../ports';
import { listCampaigns } from './campaigns';
import {
  CAMPAIGN_CHANNELS,
  CAMPAIGN_STATUS_FILTERS,
  DEFAULT_PERIOD,
  DELIVERY_STATES,
  PERIODS,
} from './contracts';
import { listDelivery } from './delivery';
import type { AdminDeps } from './deps';
import { listFlows } from './flows';
import { answer, cursorParam, cursorQuery, parseId, parseQuery } from './http';
import { getList, listLists, listMembers } from './lists';
import { getOverview } from './overview';
import { getSegment, listSegments, segmentMembers } from './segments';
import { getSettings } from './settings';

type IdContext = { params: Promise<{ id: string }> };
type Handler<C> = (request: Request, context: C) => Promise<Response>;

const periodQuery = z.object({ period: z.enum(PERIODS).default(DEFAULT_PERIOD) });
const campaignsQuery = z.object({
  channel: z.enum(CAMPAIGN_CHANNELS).default('email'),
  status: z.enum(CAMPAIGN_STATUS_FILTERS).optional(),
  period: z.enum(PERIODS).default(DEFAULT_PERIOD),
  cursor: cursorParam,
});
const flowsQuery = periodQuery.extend({ cursor: cursorParam });
const deliveryQuery = z.object({
  state: z.enum(DELIVERY_STATES as ['pending', 'retrying', 'delivered', 'dead']).optional(),
  cursor: z.coerce.number().int().positive().optional(),
});

/**
 * The dashboard's JSON route handlers (GET), each behind the merchant guard: every handler asks the
 * guard itself, so no route depends on a layout or a proxy to keep strangers out. A host mounts each
 * with a one-line route file: `export const { GET } = klaviyo.routes.dashboard.lists`.
 */
export function dashboardRoutes(deps: () => AdminDeps, guard: MerchantGuard | undefined) {
  const guarded = <C>(handler: Handler<C>): { GET: Handler<C> } => ({
    GET: async (request, context) => {
      const decision = guard
        ? await guard()
        : ({ ok: false, status: 403, message: 'The dashboard has no merchant guard configured.' } as const);
      if (!decision.ok) return errorResponse(decision.status, { message: decision.message });
      return handler(request, context);
    },
  });
  const withQuery =
    <S extends z.ZodType>(schema: S, read: (query: z.output<S>) => Promise<unknown>): Handler<unknown> =>
    async (request) => {
      const parsed = parseQuery(request, schema);
      if (!parsed.ok) return parsed.response;
      return answer(() => read(parsed.data));
    };
  const withId =
    (read: (id: string, cursor?: string) => Promise<unknown>, paged: boolean): Handler<IdContext> =>
    async (request, { params }) => {
      // The query is checked before the id, so a request wrong in both still gets the query's 400.
      const parsed = paged ? parseQuery(request, cursorQuery) : { ok: true as const, data: {} };
      if (!parsed.ok) return parsed.response;
      const id = await parseId(params);
      if (!id.ok) return id.response;
      return answer(() => read(id.id, (parsed.data as { cursor?: string }).cursor));
    };

  return {
    overview: guarded(withQuery(periodQuery, (q) => getOverview(deps(), q.period))),
    campaigns: guarded(withQuery(campaignsQuery, (q) => listCampaigns(deps(), q))),
    flows: guarded(withQuery(flowsQuery, (q) => listFlows(deps(), q.period, q.cursor))),
    delivery: guarded(withQuery(deliveryQuery, (q) => listDelivery(deps(), q))),
    lists: guarded(withQuery(cursorQuery, (q) => listLists(deps(), q.cursor))),
    list: guarded(withId((id) => getList(deps(), id), false)),
    listMembers: guarded(withId((id, cursor) => listMembers(deps(), id, cursor), true)),
    segments: guarded(withQuery(cursorQuery, (q) => listSegments(deps(), q.cursor))),
    segment: guarded(withId((id) => getSegment(deps(), id), false)),
    segmentMembers: guarded(withId((id, cursor) => segmentMembers(deps(), id, cursor), true)),
    settings: guarded(async () => answer(() => getSettings(deps()))),
  };
}
