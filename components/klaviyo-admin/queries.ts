import { infiniteQueryOptions, queryOptions } from '@tanstack/react-query';
import {
  adminKeys,
  type Cached,
  type CampaignChannelName,
  type CampaignStatusFilter,
  type CampaignsPage,
  type DeliveryPage,
  type DeliveryState,
  type FlowsPage,
  type ListSummary,
  type Member,
  type Overview,
  type Page,
  type Period,
  type SegmentSummary,
  type Settings,
} from '@/lib/klaviyo-next/browser';
import { getJson } from './api';

/**
 * Every admin query: its typed key (lib/klaviyo-next/dashboard/query-keys.ts), its route handler and its data type
 * in one place, so `useQuery(listsQuery())` is typed end to end and invalidations match.
 */

const POLL_MS = 3_000;

/** Look again soon while the server is refreshing a cached value, or will be allowed to shortly. */
export function pollWhileRefreshing(cached: (Cached<unknown> | undefined)[]): number | false {
  const now = Date.now();
  for (const c of cached) {
    if (!c) continue;
    if (c.refreshing) return POLL_MS;
    if (c.value === null && c.nextRefreshAt && c.nextRefreshAt - now < 90_000)
      return Math.max(POLL_MS, c.nextRefreshAt - now + 500);
  }
  return false;
}

const pagesOf = <T>(data: { pages: Page<T>[] } | undefined) => data?.pages.flatMap((p) => p.items) ?? [];

export const overviewQuery = (period: Period) =>
  queryOptions({
    queryKey: adminKeys.overview(period),
    queryFn: () => getJson<Overview>('/api/admin/overview', { period }),
    refetchInterval: (q) => pollWhileRefreshing([q.state.data?.campaigns, q.state.data?.flows]) || 60_000,
  });

export const listsQuery = () =>
  infiniteQueryOptions({
    queryKey: adminKeys.listPages(),
    queryFn: ({ pageParam }) => getJson<Page<ListSummary>>('/api/admin/lists', { cursor: pageParam }),
    initialPageParam: undefined as string | undefined,
    getNextPageParam: (last) => last.nextCursor ?? undefined,
    refetchInterval: (q) => pollWhileRefreshing(pagesOf(q.state.data).map((l) => l.profileCount)),
  });

export const listQuery = (id: string) =>
  queryOptions({
    queryKey: adminKeys.list(id),
    queryFn: () => getJson<ListSummary>(`/api/admin/lists/${encodeURIComponent(id)}`),
    refetchInterval: (q) => pollWhileRefreshing([q.state.data?.profileCount]),
  });

export const listMembersQuery = (id: string) =>
  infiniteQueryOptions({
    queryKey: adminKeys.listMembers(id),
    queryFn: ({ pageParam }) =>
      getJson<Page<Member>>(`/api/admin/lists/${encodeURIComponent(id)}/members`, { cursor: pageParam }),
    initialPageParam: undefined as string | undefined,
    getNextPageParam: (last) => last.nextCursor ?? undefined,
  });

export const segmentsQuery = () =>
  infiniteQueryOptions({
    queryKey: adminKeys.segmentPages(),
    queryFn: ({ pageParam }) => getJson<Page<SegmentSummary>>('/api/admin/segments', { cursor: pageParam }),
    initialPageParam: undefined as string | undefined,
    getNextPageParam: (last) => last.nextCursor ?? undefined,
    refetchInterval: (q) => pollWhileRefreshing(pagesOf(q.state.data).map((s) => s.profileCount)),
  });

export const segmentQuery = (id: string) =>
  queryOptions({
    queryKey: adminKeys.segment(id),
    queryFn: () => getJson<SegmentSummary>(`/api/admin/segments/${encodeURIComponent(id)}`),
    refetchInterval: (q) => pollWhileRefreshing([q.state.data?.profileCount]),
  });

export const segmentMembersQuery = (id: string) =>
  infiniteQueryOptions({
    queryKey: adminKeys.segmentMembers(id),
    queryFn: ({ pageParam }) =>
      getJson<Page<Member>>(`/api/admin/segments/${encodeURIComponent(id)}/members`, { cursor: pageParam }),
    initialPageParam: undefined as string | undefined,
    getNextPageParam: (last) => last.nextCursor ?? undefined,
  });

export const campaignsQuery = (filters: {
  channel: CampaignChannelName;
  status: CampaignStatusFilter | 'all';
  period: Period;
}) =>
  infiniteQueryOptions({
    queryKey: adminKeys.campaigns(filters),
    queryFn: ({ pageParam }) =>
      getJson<CampaignsPage>('/api/admin/campaigns', {
        channel: filters.channel,
        status: filters.status === 'all' ? undefined : filters.status,
        period: filters.period,
        cursor: pageParam,
      }),
    initialPageParam: undefined as string | undefined,
    getNextPageParam: (last) => last.nextCursor ?? undefined,
    refetchInterval: (q) => pollWhileRefreshing([q.state.data?.pages[0]?.report]),
  });

export const flowsQuery = (period: Period) =>
  infiniteQueryOptions({
    queryKey: adminKeys.flows(period),
    queryFn: ({ pageParam }) => getJson<FlowsPage>('/api/admin/flows', { period, cursor: pageParam }),
    initialPageParam: undefined as string | undefined,
    getNextPageParam: (last) => last.nextCursor ?? undefined,
    refetchInterval: (q) =>
      pollWhileRefreshing([q.state.data?.pages[0]?.report, ...pagesOf(q.state.data).map((f) => f.actions)]),
  });

export const deliveryQuery = (state: DeliveryState | 'all') =>
  infiniteQueryOptions({
    queryKey: adminKeys.delivery(state),
    queryFn: ({ pageParam }) =>
      getJson<DeliveryPage>('/api/admin/delivery', {
        state: state === 'all' ? undefined : state,
        cursor: pageParam,
      }),
    initialPageParam: undefined as string | undefined,
    getNextPageParam: (last) => last.nextCursor ?? undefined,
    // Messages on their way change state by themselves: follow them while any is in flight.
    refetchInterval: (q) =>
      pagesOf(q.state.data).some((i) => i.state === 'pending' || i.state === 'retrying') ? 2_000 : 15_000,
  });

export const settingsQuery = () =>
  queryOptions({
    queryKey: adminKeys.settings(),
    queryFn: () => getJson<Settings>('/api/admin/settings'),
    refetchInterval: (q) =>
      pollWhileRefreshing([q.state.data?.key, q.state.data?.scopes, q.state.data?.webhooks]),
  });

export { pagesOf };
