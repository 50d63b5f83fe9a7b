import 'server-only';
import { policyFor } from './cache/budget';
import { readCached, type Source } from './cache/cached';
import type { Member, Page, SegmentSummary } from './contracts';
import { nextCursor } from './cursor';
import type { AdminDeps } from './deps';
import { toMember } from './members';

const SEGMENT_PAGE_SIZE = 10; // get_segments: at most 10 a page
const MEMBER_PAGE_SIZE = 25;

/** A segment's profile count: get_segment with profile_count is limited to 1/s and 15/m. */
export function segmentCountSource(deps: AdminDeps, id: string): Source<number> {
  return {
    key: `segment-count:${id}`,
    ttlMs: 10 * 60_000,
    bucket: 'get_segment:profile_count',
    policy: policyFor('get_segment', { share: 0.8, param: 'additional-fields[segment]=profile_count' }),
    fetch: async () =>
      (await deps.klaviyo.segments.get(id, { profileCount: true })).attributes.profile_count ?? 0,
  };
}

type KlaviyoSegment = {
  id: string;
  attributes: {
    name?: string | null;
    created?: string | null;
    updated?: string | null;
    is_active?: boolean | null;
    is_starred?: boolean | null;
  };
};

async function summary(deps: AdminDeps, s: KlaviyoSegment): Promise<SegmentSummary> {
  return {
    id: s.id,
    name: s.attributes.name ?? s.id,
    created: s.attributes.created ?? null,
    updated: s.attributes.updated ?? null,
    isActive: s.attributes.is_active ?? null,
    isStarred: s.attributes.is_starred ?? null,
    profileCount: await readCached(deps, segmentCountSource(deps, s.id)),
  };
}

export async function listSegments(deps: AdminDeps, cursor?: string): Promise<Page<SegmentSummary>> {
  const page = await deps.klaviyo.client.call('get_segments', {
    query: { 'page[size]': SEGMENT_PAGE_SIZE, 'page[cursor]': cursor },
  });
  return {
    items: await Promise.all(page.data.map((s) => summary(deps, s))),
    nextCursor: nextCursor(page.links),
  };
}

export async function getSegment(deps: AdminDeps, id: string): Promise<SegmentSummary> {
  return summary(deps, await deps.klaviyo.segments.get(id));
}

export async function segmentMembers(deps: AdminDeps, id: string, cursor?: string): Promise<Page<Member>> {
  const page = await deps.klaviyo.client.call('get_profiles_for_segment', {
    path: { id },
    query: { 'page[size]': MEMBER_PAGE_SIZE, 'page[cursor]': cursor },
  });
  return { items: page.data.map(toMember), nextCursor: nextCursor(page.links) };
}
