import { type Context, created, type HandlerTable, noContent, ok } from '../core/context.js';
import { invalid, notFound } from '../core/errors.js';
import { isoTime, shortId } from '../core/ids.js';
import { listDocument, type Resource, readAttribute, relationship, toResource } from '../core/jsonapi.js';
import type { Account } from '../store/account.js';
import type { GenericRecord, GroupRecord, ProfileRecord } from '../store/types.js';
import { flowsOf } from './flows.js';
import { getProfileOr404, readProfileField, renderProfile } from './profiles.js';

/**
 * Lists, and the group helpers segments share: a list or segment is a GroupRecord whose `attributes`
 * are exactly its response attributes (get_profile renders included lists and segments from them).
 */

// add_profiles_to_list / remove_profiles_from_list: "This endpoint accepts a maximum of 1000 profiles per call."
const MAX_PROFILES_PER_LIST_CALL = 1000;

// create_list `opt_in_process`: "If not provided, uses account default." Klaviyo's default for new
// accounts is single opt-in; the emulated account has no setting for it, so this is that default.
export const ACCOUNT_DEFAULT_OPT_IN = 'single_opt_in';

export type GroupType = 'list' | 'segment';

function groupsOf(account: Account, type: GroupType): Map<string, GroupRecord> {
  return type === 'list' ? account.lists : account.segments;
}

export function getGroupOr404(ctx: Context, type: GroupType, id = ctx.params.id): GroupRecord {
  const group = id ? groupsOf(ctx.account, type).get(id) : undefined;
  if (!group) throw notFound(`${type === 'list' ? 'List' : 'Segment'} '${id}' does not exist.`);
  return group;
}

/** A six-character id no list or segment has, so a group id in a segment definition is unambiguous. */
export function newGroupId(account: Account): string {
  for (;;) {
    const id = shortId();
    if (!account.lists.has(id) && !account.segments.has(id)) return id;
  }
}

export function touchGroup(group: GroupRecord, nowMs: number): void {
  group.updatedMs = nowMs;
  group.attributes.updated = isoTime(nowMs);
}

export function readGroupField(group: GroupRecord, field: string): unknown {
  if (field === 'id') return group.id;
  if (field === 'created') return group.createdMs;
  if (field === 'updated') return group.updatedMs;
  return readAttribute(group.attributes, field);
}

function groupSortValue(group: GroupRecord, field: string): string | number {
  const value = readGroupField(group, field);
  return typeof value === 'number' ? value : String(value ?? '');
}

/** The flows a group triggers: flows.ts records a flow's trigger as `relationships.list = [id]`. */
function triggeredFlows(ctx: Context, type: GroupType, id: string): GenericRecord[] {
  return [...flowsOf(ctx.account).values()].filter((flow) => flow.relationships[type]?.includes(id));
}

/**
 * The relationships every list and segment carries, with linkage for what `include` names. Tags
 * are not emulated, so an included `tags` is always empty.
 */
export function groupRelationships(ctx: Context, type: GroupType, id: string) {
  const included = (name: string) => ctx.query.include.includes(name);
  const flows = included('flow-triggers')
    ? triggeredFlows(ctx, type, id).map((flow) => ({ type: 'flow', id: flow.id }))
    : undefined;
  return {
    profiles: relationship(ctx, type, id, 'profiles'),
    tags: relationship(ctx, type, id, 'tags', included('tags') ? [] : undefined),
    'flow-triggers': relationship(ctx, type, id, 'flow-triggers', flows),
  };
}

/** A flow as FlowResponseObjectResource, for `included`. */
function renderTriggeredFlow(ctx: Context, flow: GenericRecord): Resource {
  return toResource(ctx, 'flow', flow.id, flow.attributes, {
    'flow-actions': relationship(ctx, 'flow', flow.id, 'flow-actions'),
    tags: relationship(ctx, 'flow', flow.id, 'tags'),
  });
}

/** `included` for `include=flow-triggers` on groups: each triggered flow once. */
function groupIncluded(ctx: Context, type: GroupType, groups: GroupRecord[]) {
  if (!ctx.query.include.includes('flow-triggers')) return {};
  const flows = new Map<string, GenericRecord>();
  for (const group of groups)
    for (const flow of triggeredFlows(ctx, type, group.id)) flows.set(flow.id, flow);
  return flows.size ? { included: [...flows.values()].map((flow) => renderTriggeredFlow(ctx, flow)) } : {};
}

/** A collection of groups with `included` for the page's groups. */
export function groupsDocument(ctx: Context, type: GroupType, render: (group: GroupRecord) => Resource) {
  const groups = groupsOf(ctx.account, type);
  const doc = listDocument(ctx, groups.values(), { read: readGroupField, sortValue: groupSortValue, render });
  const page = doc.data.map((r) => groups.get(r.id)).filter((g): g is GroupRecord => Boolean(g));
  return { ...doc, ...groupIncluded(ctx, type, page) };
}

/** A single group document with its `included` flows. */
export function groupDocument(ctx: Context, type: GroupType, render: (group: GroupRecord) => Resource) {
  const group = getGroupOr404(ctx, type);
  const data = render(group);
  return { data, links: { self: data.links.self }, ...groupIncluded(ctx, type, [group]) };
}

export interface Member {
  profile: ProfileRecord;
  joinedMs: number;
}

/** The group's members whose profiles still exist, in the order they joined. */
export function membersOf(account: Account, group: GroupRecord): Member[] {
  const members: Member[] = [];
  for (const [id, joinedMs] of group.members) {
    const profile = account.profiles.get(id);
    if (profile) members.push({ profile, joinedMs });
  }
  return members;
}

function readMemberField(member: Member, field: string): unknown {
  return field === 'joined_group_at' ? member.joinedMs : readProfileField(member.profile, field);
}

/**
 * A member is a profile plus `joined_group_at`, which ListMemberResponseObjectResource and
 * SegmentMemberResponseObjectResource require, so it is kept even under a sparse fieldset.
 */
function renderMember(ctx: Context, member: Member): Resource {
  const resource = renderProfile(ctx, member.profile);
  resource.attributes = { ...resource.attributes, joined_group_at: isoTime(member.joinedMs) };
  return resource;
}

/** Keeps a collection's filtering and paging but answers with resource identifiers only. */
export function identifiersOnly<D extends { data: Resource[] }>(doc: D) {
  return { ...doc, data: doc.data.map(({ type, id }) => ({ type, id })) };
}

/** get_profiles_for_list / _segment and, with `idsOnly`, get_profile_ids_for_list / _segment. */
export function memberDocument(ctx: Context, group: GroupRecord, idsOnly: boolean) {
  const doc = listDocument(ctx, membersOf(ctx.account, group), {
    read: readMemberField,
    sortValue: (m) => m.joinedMs,
    render: idsOnly ? (m) => toResource(ctx, 'profile', m.profile.id, {}) : (m) => renderMember(ctx, m),
  });
  return idsOnly ? identifiersOnly(doc) : doc;
}

/** get_lists_for_profile / get_segments_for_profile: every group the profile is in (not paginated). */
export function groupsForProfile(ctx: Context, type: GroupType, render: (group: GroupRecord) => Resource) {
  const profile = getProfileOr404(ctx, ctx.params.id);
  const groups = [...groupsOf(ctx.account, type).values()].filter((g) => g.members.has(profile.id));
  return listDocument(ctx, groups, { read: readGroupField, render });
}

export function renderList(ctx: Context, list: GroupRecord): Resource {
  const attributes: Record<string, unknown> = { ...list.attributes };
  if (ctx.query.additionalFields.list?.includes('profile_count')) {
    attributes.profile_count = membersOf(ctx.account, list).length;
  }
  return toResource(ctx, 'list', list.id, attributes, groupRelationships(ctx, 'list', list.id));
}

function listName(value: unknown): string {
  if (typeof value !== 'string' || value.trim() === '') {
    throw invalid('A list needs a non-empty name.', { pointer: '/data/attributes/name' });
  }
  return value;
}

/**
 * The profile ids of an add/remove body, checked against the per-call limit and the account:
 * an unknown id is a 400 naming it, like other unknown ids in request bodies.
 */
function memberIds(ctx: Context): string[] {
  const data: { id: string }[] = ctx.body.data;
  if (data.length > MAX_PROFILES_PER_LIST_CALL) {
    throw invalid(
      `At most ${MAX_PROFILES_PER_LIST_CALL} profiles can be sent per call; this request has ${data.length}.`,
      { pointer: '/data' },
    );
  }
  data.forEach((entry, i) => {
    if (!ctx.account.profiles.has(entry.id)) {
      throw invalid(`Profile '${entry.id}' does not exist.`, { pointer: `/data/${i}/id` });
    }
  });
  return [...new Set(data.map((entry) => entry.id))];
}

export const listHandlers: HandlerTable = {
  get_lists: (ctx) => ok(groupsDocument(ctx, 'list', (l) => renderList(ctx, l))),

  get_list: (ctx) => ok(groupDocument(ctx, 'list', (l) => renderList(ctx, l))),

  create_list: (ctx) => {
    const a = ctx.body.data.attributes;
    const now = ctx.account.now();
    const list: GroupRecord = {
      id: newGroupId(ctx.account),
      attributes: {
        name: listName(a.name),
        created: isoTime(now),
        updated: isoTime(now),
        opt_in_process: a.opt_in_process ?? ACCOUNT_DEFAULT_OPT_IN,
      },
      createdMs: now,
      updatedMs: now,
      members: new Map(),
    };
    ctx.account.lists.set(list.id, list);
    const resource = renderList(ctx, list);
    return created({ data: resource, links: { self: resource.links.self } });
  },

  /** Omitted attributes are unchanged; `null` cannot clear a list's name or opt-in process. */
  update_list: (ctx) => {
    const list = getGroupOr404(ctx, 'list');
    const a = ctx.body.data.attributes;
    if ('name' in a) list.attributes.name = listName(a.name);
    if (a.opt_in_process) list.attributes.opt_in_process = a.opt_in_process;
    touchGroup(list, ctx.account.now());
    const resource = renderList(ctx, list);
    return ok({ data: resource, links: { self: resource.links.self } });
  },

  delete_list: (ctx) => {
    const list = getGroupOr404(ctx, 'list');
    ctx.account.lists.delete(list.id);
    return noContent();
  },

  get_profiles_for_list: (ctx) => ok(memberDocument(ctx, getGroupOr404(ctx, 'list'), false)),

  get_profile_ids_for_list: (ctx) => ok(memberDocument(ctx, getGroupOr404(ctx, 'list'), true)),

  /** Membership only: consent is unchanged (add_profiles_to_list description). Re-adding keeps the first join time. */
  add_profiles_to_list: (ctx) => {
    const list = getGroupOr404(ctx, 'list');
    for (const id of memberIds(ctx)) ctx.account.joinList(list, id);
    return noContent();
  },

  /** "Removing a profile from a list will not impact the profile's consent" (remove_profiles_from_list). */
  remove_profiles_from_list: (ctx) => {
    const list = getGroupOr404(ctx, 'list');
    for (const id of memberIds(ctx)) list.members.delete(id);
    return noContent();
  },

  get_lists_for_profile: (ctx) => ok(groupsForProfile(ctx, 'list', (l) => renderList(ctx, l))),

  get_list_ids_for_profile: (ctx) =>
    ok(identifiersOnly(groupsForProfile(ctx, 'list', (l) => renderList(ctx, l)))),
};
