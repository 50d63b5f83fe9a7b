import 'server-only';
import sql from 'sql-template-tag';
import { policyFor } from './cache/budget';
import { markStale, readCached, type Source } from './cache/cached';
import type { ListSummary, Member, Page } from './contracts';
import { nextCursor } from './cursor';
import type { AdminDeps } from './deps';
import { toMember } from './members';

const LIST_PAGE_SIZE = 10; // get_lists: at most 10 a page
const MEMBER_PAGE_SIZE = 25;
const COUNT_TTL_MS = 10 * 60_000;

/** A list's profile count: get_list with profile_count is limited to 1/s and 15/m, so it is cached. */
export function listCountSource(deps: AdminDeps, id: string): Source<number> {
  return {
    key: `list-count:${id}`,
    ttlMs: COUNT_TTL_MS,
    bucket: 'get_list:profile_count',
    policy: policyFor('get_list', { share: 0.8, param: 'additional-fields[list]=profile_count' }),
    fetch: async () =>
      (await deps.klaviyo.lists.get(id, { profileCount: true })).attributes.profile_count ?? 0,
  };
}

type KlaviyoList = {
  id: string;
  attributes: {
    name?: string | null;
    created?: string | null;
    updated?: string | null;
    opt_in_process?: string | null;
  };
};

async function summary(deps: AdminDeps, list: KlaviyoList): Promise<ListSummary> {
  return {
    id: list.id,
    name: list.attributes.name ?? list.id,
    created: list.attributes.created ?? null,
    updated: list.attributes.updated ?? null,
    optInProcess: list.attributes.opt_in_process ?? null,
    profileCount: await readCached(deps, listCountSource(deps, list.id)),
  };
}

/** One page of lists, newest first, each with its (cached) profile count. */
export async function listLists(deps: AdminDeps, cursor?: string): Promise<Page<ListSummary>> {
  const page = await deps.klaviyo.client.call('get_lists', {
    query: { 'page[size]': LIST_PAGE_SIZE, 'page[cursor]': cursor, sort: '-created' },
  });
  return {
    items: await Promise.all(page.data.map((l) => summary(deps, l))),
    nextCursor: nextCursor(page.links),
  };
}

export async function getList(deps: AdminDeps, id: string): Promise<ListSummary> {
  return summary(deps, await deps.klaviyo.lists.get(id));
}

/** One page of a list's members, 25 at a time. */
export async function listMembers(deps: AdminDeps, id: string, cursor?: string): Promise<Page<Member>> {
  const page = await deps.klaviyo.client.call('get_profiles_for_list', {
    path: { id },
    query: { 'page[size]': MEMBER_PAGE_SIZE, 'page[cursor]': cursor },
  });
  return { items: page.data.map(toMember), nextCursor: nextCursor(page.links) };
}

/** Creates a list; its count is known (0), so it is cached without spending the count budget. */
export async function createList(deps: AdminDeps, name: string): Promise<ListSummary> {
  const list = await deps.klaviyo.lists.create(name);
  await deps.db.query(sql`INSERT INTO klaviyo_admin_cache (key, value, fetched_at) VALUES (${`list-count:${list.id}`}, '0', ${deps.now()})
     ON CONFLICT (key) DO UPDATE SET value = excluded.value, fetched_at = excluded.fetched_at`);
  return summary(deps, list);
}

/** The list's cached count is out of date: the next view re-reads it within the budget. */
const countChanged = (deps: AdminDeps, id: string) => markStale(deps, `list-count:${id}`);

/**
 * Adds a profile by email: Klaviyo's profile-import finds it or creates it, then it joins the list.
 * List membership does not subscribe anyone (consent is a separate call), as Klaviyo documents.
 */
export async function addMember(deps: AdminDeps, listId: string, email: string): Promise<Member> {
  const { id } = await deps.klaviyo.profiles.upsert({ email });
  await deps.klaviyo.lists.addProfiles(listId, [id]);
  await countChanged(deps, listId);
  return { id, email, phoneNumber: null, name: null, joinedAt: new Date(deps.now()).toISOString() };
}

/** Removes profiles from a list without touching their consent. */
export async function removeMembers(
  deps: AdminDeps,
  listId: string,
  profileIds: string[],
): Promise<{ removed: number }> {
  await deps.klaviyo.lists.removeProfiles(listId, profileIds);
  await countChanged(deps, listId);
  return { removed: profileIds.length };
}
