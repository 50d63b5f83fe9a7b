import type { KlaviyoClient, ResponseOf } from '../client';
import { buildFilter, type Condition } from '../filter';
import { paginate } from '../paginate';
import { MEMBERS_PAGE_SIZE } from './lists';

export type Segment = ResponseOf<'get_segment'>['data'];

// get_segments: "Returns a maximum of 10 results per page" (page[size] max 10).
const SEGMENTS_PAGE_SIZE = 10;

/** Segments: read-only here (their members follow their definitions in Klaviyo). */
export function segmentsResource(client: KlaviyoClient) {
  return {
    /** Every segment (optionally filtered), 10 per page, the most get_segments allows. */
    list: (...conditions: Condition[]) =>
      paginate(client, 'get_segments', {
        query: {
          filter: conditions.length ? buildFilter(...conditions) : undefined,
          'page[size]': SEGMENTS_PAGE_SIZE,
        },
      }),

    /**
     * One segment. `profileCount` adds `attributes.profile_count`, but Klaviyo then limits
     * get_segment to 1/s and 15/m (get_segment description), so ask for it only when needed.
     */
    async get(id: string, { profileCount = false } = {}): Promise<Segment> {
      const query = profileCount ? { 'additional-fields[segment]': ['profile_count' as const] } : {};
      return (await client.call('get_segment', { path: { id }, query })).data;
    },

    /** Every member with `joined_group_at`, 100 per page. */
    members: (id: string) =>
      paginate(client, 'get_profiles_for_segment', {
        path: { id },
        query: { 'page[size]': MEMBERS_PAGE_SIZE },
      }),
  };
}
