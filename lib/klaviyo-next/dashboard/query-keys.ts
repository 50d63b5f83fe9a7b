import type { CampaignChannelName, CampaignStatusFilter, DeliveryState, Period } from './contracts';

/**
 * The admin's react-query keys as typed tuples, shared by every query and mutation so an
 * invalidation names exactly what it means. Hierarchical: invalidating `lists()` also covers every
 * list's members.
 */
export const adminKeys = {
  all: ['admin'] as const,
  overview: (period: Period) => ['admin', 'overview', period] as const,
  lists: () => ['admin', 'lists'] as const,
  listPages: () => ['admin', 'lists', 'pages'] as const,
  list: (id: string) => ['admin', 'lists', id] as const,
  listMembers: (id: string) => ['admin', 'lists', id, 'members'] as const,
  segments: () => ['admin', 'segments'] as const,
  segmentPages: () => ['admin', 'segments', 'pages'] as const,
  segment: (id: string) => ['admin', 'segments', id] as const,
  segmentMembers: (id: string) => ['admin', 'segments', id, 'members'] as const,
  campaigns: (filters: {
    channel: CampaignChannelName;
    status: CampaignStatusFilter | 'all';
    period: Period;
  }) => ['admin', 'campaigns', filters] as const,
  flows: (period: Period) => ['admin', 'flows', period] as const,
  delivery: (state: DeliveryState | 'all') => ['admin', 'delivery', state] as const,
  deliveryAll: () => ['admin', 'delivery'] as const,
  settings: () => ['admin', 'settings'] as const,
};

export type AdminQueryKey = ReturnType<(typeof adminKeys)[Exclude<keyof typeof adminKeys, 'all'>]>;
