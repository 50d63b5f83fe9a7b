import type { BodyOf, KlaviyoClient, ResponseOf } from '../client';
import { buildFilter, type Condition } from '../filter';
import { paginate } from '../paginate';

export type List = ResponseOf<'get_list'>['data'];
type OptInProcess = NonNullable<BodyOf<'create_list'>['data']['attributes']['opt_in_process']>;

// get_lists: "Returns a maximum of 10 results per page" (page[size] max 10).
const LISTS_PAGE_SIZE = 10;
// get_profiles_for_list / get_profiles_for_segment: page[size] max 100.
export const MEMBERS_PAGE_SIZE = 100;
// add_profiles_to_list / remove_profiles_from_list: "accepts a maximum of 1000 profiles per call".
const PROFILES_PER_CALL = 1000;

/** `items` in consecutive slices of at most `size`. */
export function chunk<T>(items: readonly T[], size: number): T[][] {
  const slices: T[][] = [];
  for (let i = 0; i < items.length; i += size) slices.push(items.slice(i, i + size));
  return slices;
}

const profileRefs = (ids: string[]) => ids.map((id) => ({ type: 'profile' as const, id }));

/**
 * Lists: CRUD and membership. Membership here never changes consent; to subscribe people use the
 * subscriptions resource (add_profiles_to_list description).
 */
export function listsResource(client: KlaviyoClient) {
  /** Adds or removes members, at most 1,000 per call; duplicates are sent once. */
  async function changeMembers(
    operation: 'add_profiles_to_list' | 'remove_profiles_from_list',
    id: string,
    profileIds: string[],
  ): Promise<void> {
    for (const ids of chunk([...new Set(profileIds)], PROFILES_PER_CALL)) {
      await client.call(operation, { path: { id }, body: { data: profileRefs(ids) } });
    }
  }

  return {
    /**
     * Every list, 10 per page (the most get_lists allows). `name` and `id` take list operators only:
     * `equalsAny('name', ['VIP'])` (get_lists `x-klaviyo-filters`).
     */
    list: (...conditions: Condition[]) =>
      paginate(client, 'get_lists', {
        query: {
          filter: conditions.length ? buildFilter(...conditions) : undefined,
          'page[size]': LISTS_PAGE_SIZE,
        },
      }),

    /**
     * One list. `profileCount` adds `attributes.profile_count`, but Klaviyo then limits get_list to
     * 1/s and 15/m (get_list description), so ask for it only when the count is needed.
     */
    async get(id: string, { profileCount = false } = {}): Promise<List> {
      const query = profileCount ? { 'additional-fields[list]': ['profile_count' as const] } : {};
      return (await client.call('get_list', { path: { id }, query })).data;
    },

    /** Creates a list; without `optInProcess` the account's default opt-in applies. */
    async create(name: string, optInProcess?: OptInProcess): Promise<List> {
      const result = await client.call('create_list', {
        body: { data: { type: 'list', attributes: { name, opt_in_process: optInProcess } } },
      });
      return result.data;
    },

    async rename(id: string, name: string): Promise<List> {
      const result = await client.call('update_list', {
        path: { id },
        body: { data: { type: 'list', id, attributes: { name } } },
      });
      return result.data;
    },

    async delete(id: string): Promise<void> {
      await client.call('delete_list', { path: { id } });
    },

    /** Every member with `joined_group_at`, 100 per page. */
    members: (id: string) =>
      paginate(client, 'get_profiles_for_list', {
        path: { id },
        query: { 'page[size]': MEMBERS_PAGE_SIZE },
      }),

    addProfiles: (id: string, profileIds: string[]) => changeMembers('add_profiles_to_list', id, profileIds),

    /** Removes members without touching their consent (remove_profiles_from_list description). */
    removeProfiles: (id: string, profileIds: string[]) =>
      changeMembers('remove_profiles_from_list', id, profileIds),
  };
}
