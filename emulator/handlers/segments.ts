import { type Context, created, type HandlerTable, noContent, ok } from '../core/context.js';
import { invalid } from '../core/errors.js';
import { isoTime } from '../core/ids.js';
import { type Resource, readAttribute, toResource } from '../core/jsonapi.js';
import type { Account } from '../store/account.js';
import type { EventRecord, GroupRecord, ProfileRecord } from '../store/types.js';
import {
  getGroupOr404,
  groupDocument,
  groupRelationships,
  groupsDocument,
  groupsForProfile,
  identifiersOnly,
  memberDocument,
  membersOf,
  newGroupId,
  touchGroup,
} from './lists.js';
import { subscriptionsOf } from './profiles.js';

/**
 * Segments. Seeded segments keep the members the seed derived for them. A segment created or
 * redefined through the API is evaluated by the emulator: its members are recomputed from its
 * definition whenever segment membership is read, keeping each member's first join time.
 *
 * Evaluated condition types: profile-group-membership, profile-property, profile-marketing-consent
 * (status_date, method, custom_source and double opt-in filters), profile-region and profile-metric
 * (count or sum of `$value`, with timeframe and property filters). Other types (predictive
 * analytics, postal-code distance, custom objects, permissions, funnels) match no profile.
 */

export function renderSegment(ctx: Context, segment: GroupRecord): Resource {
  const attributes: Record<string, unknown> = { ...segment.attributes };
  if (ctx.query.additionalFields.segment?.includes('profile_count')) {
    attributes.profile_count = membersOf(ctx.account, segment).length;
  }
  return toResource(ctx, 'segment', segment.id, attributes, groupRelationships(ctx, 'segment', segment.id));
}

// ── definition evaluation ───────────────────────────────────────────────────

const UNIT_MS: Record<string, number> = { hour: 3_600_000, day: 86_400_000, week: 604_800_000 };

/** The spec's date filters (StaticDateFilter, RelativeDate…Filter, AlltimeDateFilter) on an instant. */
function dateMatches(filter: any, atMs: number | undefined, nowMs: number): boolean {
  if (atMs === undefined || Number.isNaN(atMs)) return false;
  const ago = (quantity: number) => nowMs - quantity * (UNIT_MS[filter.unit] ?? UNIT_MS.day ?? 0);
  switch (filter.operator) {
    case 'alltime':
      return true;
    case 'after':
      return atMs > Date.parse(filter.date);
    case 'before':
      return atMs < Date.parse(filter.date);
    case 'between-static':
      return atMs >= Date.parse(filter.start) && atMs <= Date.parse(filter.end);
    case 'in-the-last':
      return atMs >= ago(filter.quantity) && atMs <= nowMs;
    case 'at-least':
      return atMs <= ago(filter.quantity);
    case 'in-the-next':
      return atMs >= nowMs && atMs <= ago(-filter.quantity);
    case 'between':
      return (
        atMs <= ago(Math.min(filter.start, filter.end)) && atMs >= ago(Math.max(filter.start, filter.end))
      );
    default:
      return false;
  }
}

function numberMatches(filter: any, value: unknown): boolean {
  if (typeof value !== 'number') return false;
  switch (filter.operator) {
    case 'equals':
      return value === filter.value;
    case 'not-equals':
      return value !== filter.value;
    case 'greater-than':
      return value > filter.value;
    case 'greater-than-or-equal':
      return value >= filter.value;
    case 'less-than':
      return value < filter.value;
    case 'less-than-or-equal':
      return value <= filter.value;
    default:
      return false;
  }
}

/** A `regex` filter's pattern; one JavaScript cannot compile matches nothing. */
function safeRegex(pattern: string): RegExp | undefined {
  try {
    return new RegExp(pattern);
  } catch {
    return undefined;
  }
}

function stringMatches(filter: any, value: unknown): boolean {
  if (typeof value !== 'string') return false;
  const negated = filter.operator.startsWith('not-') || filter.operator === 'nregex';
  const operator = filter.operator.replace(/^not-/, '').replace(/^nregex$/, 'regex');
  const expected = filter.value;
  const hit =
    operator === 'equals'
      ? value === expected
      : operator === 'contains'
        ? value.includes(expected)
        : operator === 'starts-with'
          ? value.startsWith(expected)
          : operator === 'ends-with'
            ? value.endsWith(expected)
            : operator === 'regex'
              ? safeRegex(expected)?.test(value)
              : operator === 'in'
                ? (expected as string[]).includes(value)
                : undefined;
  return hit === undefined ? false : hit !== negated;
}

function listMatches(filter: any, value: unknown): boolean {
  if (!Array.isArray(value)) return false;
  const length = filter.operator.match(/^length-(.+)$/)?.[1];
  if (length) return numberMatches({ operator: length, value: filter.value }, value.length);
  const expected: unknown[] = Array.isArray(filter.value) ? filter.value : [filter.value];
  const negated = filter.operator.startsWith('not-');
  const operator = filter.operator.replace(/^not-/, '');
  const hit =
    operator === 'contains' || operator === 'contains-any'
      ? expected.some((e) => value.includes(e))
      : operator === 'contains-all'
        ? expected.every((e) => value.includes(e))
        : operator === 'contains-substring'
          ? value.some((v) => typeof v === 'string' && v.includes(String(filter.value)))
          : undefined;
  return hit === undefined ? false : hit !== negated;
}

/** One of the spec's typed value filters (string, numeric, boolean, existence, date, list). */
function valueMatches(filter: any, value: unknown, nowMs: number): boolean {
  switch (filter.type) {
    case 'string':
      return stringMatches(filter, value);
    case 'numeric':
      return numberMatches(filter, value);
    case 'boolean':
      return value === filter.value;
    case 'existence': {
      const set = value !== undefined && value !== null && value !== '';
      return filter.operator === 'is-set' ? set : !set;
    }
    case 'date':
      return dateMatches(filter, typeof value === 'string' ? Date.parse(value) : undefined, nowMs);
    case 'list':
      return listMatches(filter, value);
    default:
      return false;
  }
}

/** ProfilePropertyCondition `property`: a well-known name (`email`, `city`) or `properties['name']`. */
function propertyOf(profile: ProfileRecord, property: string): unknown {
  const custom = /^properties\['(.+)'\]$/.exec(property);
  if (custom?.[1]) return profile.attributes.properties?.[custom[1]];
  return (
    readAttribute(profile.attributes, property) ?? readAttribute(profile.attributes.location ?? {}, property)
  );
}

function consentMatches(profile: ProfileRecord, consent: any, nowMs: number): boolean {
  const subscriptions = subscriptionsOf(profile);
  const record =
    consent.channel === 'email'
      ? subscriptions.email.marketing
      : consent.channel === 'sms'
        ? subscriptions.sms.marketing
        : subscriptions.mobile_push.marketing;
  const canReceive =
    record.can_receive_email_marketing ??
    record.can_receive_sms_marketing ??
    record.can_receive_push_marketing;
  if (canReceive !== consent.can_receive_marketing) return false;
  const status = consent.consent_status ?? {};
  const wanted: Record<string, string> = {
    subscribed: 'SUBSCRIBED',
    unsubscribed: 'UNSUBSCRIBED',
    never_subscribed: 'NEVER_SUBSCRIBED',
  };
  if (wanted[status.subscription] && record.consent !== wanted[status.subscription]) return false;
  return (status.filters ?? []).every((f: any) => {
    if (f.field === 'status_date') return dateMatches(f.filter, Date.parse(record.consent_timestamp), nowMs);
    if (f.field === 'is_double_opt_in') return record.double_optin === f.filter.value;
    if (f.field === 'custom_source') return record.custom_method_detail === f.filter.value;
    if (f.field === 'method') return String(record.method).toLowerCase() === f.method;
    return false;
  });
}

// ProfileRegionCondition regions, by the country names profiles carry.
const EU_COUNTRIES = new Set(
  'Austria|Belgium|Bulgaria|Croatia|Cyprus|Czechia|Denmark|Estonia|Finland|France|Germany|Greece|Hungary|Ireland|Italy|Latvia|Lithuania|Luxembourg|Malta|Netherlands|Poland|Portugal|Romania|Slovakia|Slovenia|Spain|Sweden'.split(
    '|',
  ),
);

function inRegion(profile: ProfileRecord, region: string): boolean {
  const country = String(profile.attributes.location?.country ?? '');
  return region === 'united_states'
    ? ['United States', 'US', 'USA'].includes(country)
    : EU_COUNTRIES.has(country);
}

/** What evaluating one profile needs: the account, the time, and each profile's events. */
interface Evaluation {
  account: Account;
  nowMs: number;
  events: Map<string, EventRecord[]>;
}

function metricMatches(run: Evaluation, profile: ProfileRecord, condition: any): boolean {
  const events = (run.events.get(profile.id) ?? []).filter(
    (e) =>
      e.metricId === condition.metric_id &&
      dateMatches(condition.timeframe_filter, e.timeMs, run.nowMs) &&
      (condition.metric_filters ?? []).every(
        (f: any) => !f.filter || valueMatches(f.filter, readAttribute(e.properties, f.property), run.nowMs),
      ),
  );
  const measure =
    condition.measurement === 'sum'
      ? events.reduce((sum, e) => sum + (Number(e.properties.$value) || 0), 0)
      : events.length;
  return numberMatches(condition.measurement_filter, measure);
}

function conditionMatches(run: Evaluation, profile: ProfileRecord, condition: any): boolean {
  switch (condition.type) {
    case 'profile-group-membership': {
      const member = (condition.group_ids as string[]).some((id) => {
        const joined = (run.account.lists.get(id) ?? run.account.segments.get(id))?.members.get(profile.id);
        return (
          joined !== undefined &&
          (!condition.timeframe_filter || dateMatches(condition.timeframe_filter, joined, run.nowMs))
        );
      });
      return member === condition.is_member;
    }
    case 'profile-property':
      return valueMatches(condition.filter, propertyOf(profile, condition.property), run.nowMs);
    case 'profile-marketing-consent':
      return consentMatches(profile, condition.consent, run.nowMs);
    case 'profile-region':
      return inRegion(profile, condition.region) === condition.in_region;
    case 'profile-metric':
      return metricMatches(run, profile, condition);
    default:
      return false;
  }
}

/** SegmentDefinition: condition groups are ANDed; the conditions within a group are ORed. */
function definitionMatches(run: Evaluation, definition: any, profile: ProfileRecord): boolean {
  return (definition.condition_groups as any[]).every((group) =>
    (group.conditions as any[]).some((condition) => conditionMatches(run, profile, condition)),
  );
}

/** Segments written through the API, whose members the emulator computes. */
const evaluated = new WeakSet<GroupRecord>();

/** Recomputes every evaluated, active segment; members keep the time they first joined. */
function refreshSegments(account: Account): void {
  const live = [...account.segments.values()].filter((s) => evaluated.has(s) && s.attributes.is_active);
  if (live.length === 0) return;
  const events = new Map<string, EventRecord[]>();
  for (const event of account.events.values()) {
    const list = events.get(event.profileId);
    if (list) list.push(event);
    else events.set(event.profileId, [event]);
  }
  const run: Evaluation = { account, nowMs: account.now(), events };
  for (const segment of live) {
    const joins: [string, number][] = [];
    for (const profile of account.profiles.values()) {
      if (definitionMatches(run, segment.attributes.definition, profile)) {
        joins.push([profile.id, segment.members.get(profile.id) ?? run.nowMs]);
      }
    }
    segment.members = new Map(joins.sort((a, b) => a[1] - b[1]));
  }
}

// ── writes ──────────────────────────────────────────────────────────────────

/** Rejects references the definition makes to lists, segments or metrics that do not exist. */
function checkDefinition(ctx: Context, definition: any, selfId?: string): void {
  (definition.condition_groups as any[]).forEach((group, i) => {
    (group.conditions as any[]).forEach((condition, j) => {
      const at = `/data/attributes/definition/condition_groups/${i}/conditions/${j}`;
      for (const id of condition.group_ids ?? []) {
        const known = ctx.account.lists.has(id) || ctx.account.segments.has(id);
        if (!known || id === selfId) {
          throw invalid(`'${id}' is not a list or another segment.`, { pointer: `${at}/group_ids` });
        }
      }
      if (condition.type === 'profile-metric' && !ctx.account.metrics.has(condition.metric_id)) {
        throw invalid(`Metric '${condition.metric_id}' does not exist.`, { pointer: `${at}/metric_id` });
      }
    });
  });
}

function segmentName(value: unknown): string {
  if (typeof value !== 'string' || value.trim() === '') {
    throw invalid('A segment needs a non-empty name.', { pointer: '/data/attributes/name' });
  }
  return value;
}

function segmentDocument(ctx: Context, segment: GroupRecord) {
  const data = renderSegment(ctx, segment);
  return { data, links: { self: data.links.self } };
}

/** Reads that show membership see evaluated segments as of now. */
const fresh =
  <T>(read: (ctx: Context) => T) =>
  (ctx: Context): T => {
    refreshSegments(ctx.account);
    return read(ctx);
  };

export const segmentHandlers: HandlerTable = {
  get_segments: (ctx) => ok(groupsDocument(ctx, 'segment', (s) => renderSegment(ctx, s))),

  get_segment: fresh((ctx) => ok(groupDocument(ctx, 'segment', (s) => renderSegment(ctx, s)))),

  get_profiles_for_segment: fresh((ctx) => ok(memberDocument(ctx, getGroupOr404(ctx, 'segment'), false))),

  get_profile_ids_for_segment: fresh((ctx) => ok(memberDocument(ctx, getGroupOr404(ctx, 'segment'), true))),

  get_segments_for_profile: fresh((ctx) =>
    ok(groupsForProfile(ctx, 'segment', (s) => renderSegment(ctx, s))),
  ),

  get_segment_ids_for_profile: fresh((ctx) =>
    ok(identifiersOnly(groupsForProfile(ctx, 'segment', (s) => renderSegment(ctx, s)))),
  ),

  create_segment: (ctx) => {
    const a = ctx.body.data.attributes;
    const name = segmentName(a.name);
    checkDefinition(ctx, a.definition);
    const now = ctx.account.now();
    const segment: GroupRecord = {
      id: newGroupId(ctx.account),
      attributes: {
        name,
        definition: a.definition,
        created: isoTime(now),
        updated: isoTime(now),
        is_active: true,
        is_processing: false,
        is_starred: a.is_starred ?? false,
      },
      createdMs: now,
      updatedMs: now,
      members: new Map(),
    };
    ctx.account.segments.set(segment.id, segment);
    evaluated.add(segment);
    refreshSegments(ctx.account);
    return created(segmentDocument(ctx, segment));
  },

  /** Omitted or null attributes are unchanged; a new definition makes the emulator evaluate the segment. */
  update_segment: (ctx) => {
    const segment = getGroupOr404(ctx, 'segment');
    const a = ctx.body.data.attributes;
    // SegmentPartialUpdateQuery `is_active`: "When deactivating, this must be the only attribute".
    const others = Object.keys(a).filter((k) => k !== 'is_active' && a[k] !== null && a[k] !== undefined);
    if (a.is_active === false && others.length > 0) {
      throw invalid('Deactivating a segment must be the only change in the request.', {
        pointer: '/data/attributes/is_active',
      });
    }
    if (a.name !== undefined && a.name !== null) segment.attributes.name = segmentName(a.name);
    if (a.definition) {
      checkDefinition(ctx, a.definition, segment.id);
      segment.attributes.definition = a.definition;
      evaluated.add(segment);
    }
    if (typeof a.is_starred === 'boolean') segment.attributes.is_starred = a.is_starred;
    if (typeof a.is_active === 'boolean') segment.attributes.is_active = a.is_active;
    touchGroup(segment, ctx.account.now());
    refreshSegments(ctx.account);
    return ok(segmentDocument(ctx, segment));
  },

  delete_segment: (ctx) => {
    ctx.account.segments.delete(getGroupOr404(ctx, 'segment').id);
    return noContent();
  },
};
