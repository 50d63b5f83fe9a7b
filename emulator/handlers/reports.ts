import { randomUUID } from 'node:crypto';
import { type Context, type HandlerTable, ok } from '../core/context.js';
import { EmulatorError, invalid } from '../core/errors.js';
import { sparse } from '../core/jsonapi.js';
import { loadSpec } from '../core/spec.js';
import { type Condition, type FilterValue, parseFilter } from '../filter/parse.js';
import type { Account } from '../store/account.js';
import type { EventRecord } from '../store/types.js';
import { campaignMessagesOf, campaignsOf } from './campaigns.js';
import { flowActionsOf, flowMessagesOf, flowsOf } from './flows.js';

/**
 * Reporting (query_campaign_values, query_flow_values, query_flow_series) and query_metric_aggregates,
 * computed from the account's events.
 *
 * Which message an event belongs to is read from the properties Klaviyo puts on it (the seed in
 * seed/marketing.ts writes them the same way):
 * - message events (Received/Opened/Clicked Email, Received/Clicked SMS, Bounced Email, ...) carry
 *   `$message`, the campaign-message or flow-message id;
 * - conversions (events of `conversion_metric_id`, e.g. Placed Order) carry `$attributed_message`,
 *   the campaign-message or flow-message id (flow conversions also carry `$attributed_flow`).
 * As in Klaviyo's UI, the Reporting API counts by send date: an open, click or conversion counts in
 * the timeframe that contains the profile's send of that message ("Reporting API overview"; the
 * event's own time when there is no recorded send). query_metric_aggregates counts by event time.
 */

const HOUR = 3_600_000;
const DAY = 24 * HOUR;

// ── time in a timezone ──────────────────────────────────────────────────────

type Unit = 'hour' | 'day' | 'week' | 'month' | 'year';

/** A half-open range of epoch milliseconds, [start, end). */
interface Range {
  start: number;
  end: number;
}

const formatters = new Map<string, Intl.DateTimeFormat>();

function formatter(tz: string): Intl.DateTimeFormat {
  let f = formatters.get(tz);
  if (!f) {
    f = new Intl.DateTimeFormat('en-US', {
      timeZone: tz,
      hourCycle: 'h23',
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
      hour: '2-digit',
      minute: '2-digit',
      second: '2-digit',
    });
    formatters.set(tz, f);
  }
  return f;
}

/** How far wall-clock time in `tz` is ahead of UTC at `ms`. */
function offsetAt(ms: number, tz: string): number {
  const parts = Object.fromEntries(
    formatter(tz)
      .formatToParts(new Date(ms))
      .map((p) => [p.type, p.value]),
  );
  const asUtc = Date.UTC(
    Number(parts.year),
    Number(parts.month) - 1,
    Number(parts.day),
    Number(parts.hour),
    Number(parts.minute),
    Number(parts.second),
  );
  return asUtc - Math.floor(ms / 1000) * 1000;
}

/** The wall-clock time of `ms` in `tz`, as a Date read with its getUTC* methods. */
const wall = (ms: number, tz: string) => new Date(ms + offsetAt(ms, tz));

/** The instant at which the clock in `tz` shows `wallMs` (a Date.UTC of the wall-clock fields). */
function fromWall(wallMs: number, tz: string): number {
  const guess = wallMs - offsetAt(wallMs, tz);
  return wallMs - offsetAt(guess, tz);
}

/** The start of the hour, day, week (Monday, ISO 8601), month or year containing `ms` in `tz`. */
function startOf(unit: Unit, ms: number, tz: string): number {
  const w = wall(ms, tz);
  const [y, m, d] = [w.getUTCFullYear(), w.getUTCMonth(), w.getUTCDate()];
  switch (unit) {
    case 'hour':
      return fromWall(Date.UTC(y, m, d, w.getUTCHours()), tz);
    case 'day':
      return fromWall(Date.UTC(y, m, d), tz);
    case 'week':
      return fromWall(Date.UTC(y, m, d - ((w.getUTCDay() + 6) % 7)), tz);
    case 'month':
      return fromWall(Date.UTC(y, m, 1), tz);
    case 'year':
      return fromWall(Date.UTC(y, 0, 1), tz);
  }
}

/** `ms` moved by `n` calendar units in `tz` (days keep their wall-clock time across DST). */
function add(unit: Unit, n: number, ms: number, tz: string): number {
  if (unit === 'hour') return ms + n * HOUR;
  const w = wall(ms, tz);
  const fields = [w.getUTCFullYear(), w.getUTCMonth(), w.getUTCDate()] as [number, number, number];
  if (unit === 'day') fields[2] += n;
  if (unit === 'week') fields[2] += 7 * n;
  if (unit === 'month') fields[1] += n;
  if (unit === 'year') fields[0] += n;
  return fromWall(Date.UTC(...fields, w.getUTCHours(), w.getUTCMinutes(), w.getUTCSeconds()), tz);
}

/** ISO 8601 with the timezone's offset, e.g. 2026-05-01T00:00:00-04:00. */
function zonedIso(ms: number, tz: string): string {
  const offset = offsetAt(ms, tz) / 60_000;
  const sign = offset < 0 ? '-' : '+';
  const hh = String(Math.floor(Math.abs(offset) / 60)).padStart(2, '0');
  const mm = String(Math.abs(offset) % 60).padStart(2, '0');
  return `${wall(ms, tz).toISOString().slice(0, 19)}${sign}${hh}:${mm}`;
}

const WALL = /^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2}))?)?/;

/** The wall-clock fields of an ISO datetime, ignoring its offset, as a Date.UTC value. */
function wallFields(text: string): number {
  const m = WALL.exec(text);
  if (!m) return Number.NaN;
  const n = (i: number) => Number(m[i] ?? 0);
  return Date.UTC(n(1), n(2) - 1, n(3), n(4), n(5), n(6));
}

// ── timeframes ──────────────────────────────────────────────────────────────

/**
 * The reporting timeframe in the company timezone. Keys ending "now" include the current moment;
 * `last_N_days` starts at midnight N days ago. A custom {start, end} takes its wall-clock digits in
 * the company timezone ("Offset is ignored and the company timezone is used", CustomTimeframe) and
 * may span at most one year ("Max length: 1 year", timeframe).
 */
function resolveTimeframe(
  account: Account,
  timeframe: { key?: string; start?: string; end?: string },
): Range {
  const tz = account.settings.timezone;
  const now = account.now();
  if (timeframe.key) return keyRange(timeframe.key, now, tz);
  const pointer = '/data/attributes/timeframe';
  const start = fromWall(wallFields(timeframe.start ?? ''), tz);
  // Both ends are inclusive.
  const end = fromWall(wallFields(timeframe.end ?? ''), tz) + 1;
  if (!(end > start)) throw invalid('The timeframe end must be after its start.', { pointer });
  if (end - 1 > add('year', 1, start, tz)) {
    throw invalid('The timeframe can span at most 1 year.', { pointer });
  }
  return { start, end };
}

function keyRange(key: string, now: number, tz: string): Range {
  // An event recorded at this very millisecond is part of "now".
  const upToNow = now + 1;
  const today = startOf('day', now, tz);
  const days = /^last_(\d+)_days$/.exec(key);
  if (days) return { start: add('day', -Number(days[1]), today, tz), end: upToNow };
  const months = /^last_(\d+)_months$/.exec(key);
  if (months) return { start: add('month', -Number(months[1]), today, tz), end: upToNow };
  if (key === 'today') return { start: today, end: upToNow };
  if (key === 'yesterday') return { start: add('day', -1, today, tz), end: today };
  const period = /^(this|last)_(week|month|year)$/.exec(key);
  if (!period)
    throw invalid(`'${key}' is not a timeframe key.`, { pointer: '/data/attributes/timeframe/key' });
  const unit = period[2] as Unit;
  const current = startOf(unit, now, tz);
  return period[1] === 'this'
    ? { start: current, end: upToNow }
    : { start: add(unit, -1, current, tz), end: current };
}

/** Bucket starts covering the range, aligned to the unit in `tz`. */
function bucketStarts(range: Range, unit: Unit, tz: string): number[] {
  const starts: number[] = [];
  for (let t = startOf(unit, range.start, tz); t < range.end; t = add(unit, 1, t, tz)) starts.push(t);
  return starts;
}

/** The index of the bucket containing `ms` (starts are ascending; `ms` is within the range). */
function bucketIndex(starts: number[], ms: number): number {
  let lo = 0;
  let hi = starts.length - 1;
  while (lo < hi) {
    const mid = Math.ceil((lo + hi) / 2);
    if ((starts[mid] as number) <= ms) lo = mid;
    else hi = mid - 1;
  }
  return lo;
}

// ── statistics ──────────────────────────────────────────────────────────────

interface Tally {
  delivered: number;
  bounced: number;
  failed: number;
  opens: number;
  openers: Set<string>;
  clicks: number;
  clickers: Set<string>;
  conversions: number;
  converters: Set<string>;
  value: number;
  unsubscribes: number;
  unsubscribers: Set<string>;
  spam: number;
  segments: number;
  spend: number;
}

const emptyTally = (): Tally => ({
  delivered: 0,
  bounced: 0,
  failed: 0,
  opens: 0,
  openers: new Set(),
  clicks: 0,
  clickers: new Set(),
  conversions: 0,
  converters: new Set(),
  value: 0,
  unsubscribes: 0,
  unsubscribers: new Set(),
  spam: 0,
  segments: 0,
  spend: 0,
});

const numberOr = (value: unknown, fallback: number) =>
  Number.isFinite(Number(value)) ? Number(value) : fallback;

/** What each Klaviyo messaging metric adds to a message's tally. */
const MESSAGE_METRICS: Record<string, (t: Tally, e: EventRecord) => void> = {
  'Received Email': (t) => t.delivered++,
  'Received Push': (t) => t.delivered++,
  'Received SMS': (t, e) => {
    t.delivered++;
    t.segments += numberOr(e.properties['Segment Count'], 1);
    t.spend += numberOr(e.properties.$usage_amount, 0);
  },
  'Bounced Email': (t) => t.bounced++,
  'Failed to Deliver SMS': (t) => t.failed++,
  'Opened Email': (t, e) => {
    t.opens++;
    t.openers.add(e.profileId);
  },
  'Opened Push': (t, e) => {
    t.opens++;
    t.openers.add(e.profileId);
  },
  'Clicked Email': (t, e) => {
    t.clicks++;
    t.clickers.add(e.profileId);
  },
  'Clicked SMS': (t, e) => {
    t.clicks++;
    t.clickers.add(e.profileId);
  },
  Unsubscribed: (t, e) => {
    t.unsubscribes++;
    t.unsubscribers.add(e.profileId);
  },
  'Unsubscribed from SMS': (t, e) => {
    t.unsubscribes++;
    t.unsubscribers.add(e.profileId);
  },
  'Marked Email as Spam': (t) => t.spam++,
};

/** Metrics that are the send itself; the send date of a profile's message is the first of these. */
const SEND_METRICS = new Set([
  'Received Email',
  'Received Push',
  'Received SMS',
  'Bounced Email',
  'Failed to Deliver SMS',
]);

function countConversion(t: Tally, e: EventRecord): void {
  t.conversions++;
  t.converters.add(e.profileId);
  t.value += numberOr(e.properties.$value, 0);
}

const round = (n: number, places: number) => Math.round(n * 10 ** places) / 10 ** places;
// "All rate statistics will be returned in fractional form [0.0, 1.0]" (statistics description).
const rate = (part: number, whole: number) => (whole > 0 ? round(part / whole, 4) : 0);
const money = (n: number) => round(n, 2);
const recipients = (t: Tally) => t.delivered + t.bounced + t.failed;

/** Every statistic of the spec's enum (CampaignValuesRequestDTO statistics), from one tally. */
const STATISTICS: Record<string, (t: Tally) => number> = {
  recipients,
  delivered: (t) => t.delivered,
  delivery_rate: (t) => rate(t.delivered, recipients(t)),
  bounced: (t) => t.bounced,
  bounce_rate: (t) => rate(t.bounced, recipients(t)),
  failed: (t) => t.failed,
  failed_rate: (t) => rate(t.failed, recipients(t)),
  bounced_or_failed: (t) => t.bounced + t.failed,
  bounced_or_failed_rate: (t) => rate(t.bounced + t.failed, recipients(t)),
  opens: (t) => t.opens,
  opens_unique: (t) => t.openers.size,
  open_rate: (t) => rate(t.openers.size, t.delivered),
  clicks: (t) => t.clicks,
  clicks_unique: (t) => t.clickers.size,
  click_rate: (t) => rate(t.clickers.size, t.delivered),
  click_to_open_rate: (t) => rate(t.clickers.size, t.openers.size),
  conversions: (t) => t.conversions,
  conversion_uniques: (t) => t.converters.size,
  conversion_value: (t) => money(t.value),
  conversion_rate: (t) => rate(t.converters.size, t.delivered),
  average_order_value: (t) => (t.conversions > 0 ? money(t.value / t.conversions) : 0),
  revenue_per_recipient: (t) => (t.delivered > 0 ? money(t.value / t.delivered) : 0),
  unsubscribes: (t) => t.unsubscribes,
  unsubscribe_uniques: (t) => t.unsubscribers.size,
  unsubscribe_rate: (t) => rate(t.unsubscribers.size, t.delivered),
  spam_complaints: (t) => t.spam,
  spam_complaint_rate: (t) => rate(t.spam, t.delivered),
  // SMS: one credit per segment, and spend as Klaviyo records it per send ($usage_amount).
  message_segment_count_sum: (t) => t.segments,
  text_message_credit_usage_amount: (t) => t.segments,
  text_message_spend: (t) => round(t.spend, 4),
  text_message_roi: (t) => (t.spend > 0 ? money(t.value / t.spend) : 0),
};

const statisticsOf = (t: Tally, wanted: string[]) =>
  Object.fromEntries(wanted.map((name) => [name, (STATISTICS[name] as (t: Tally) => number)(t)]));

// ── messages and their groupings ────────────────────────────────────────────

type Groupings = Record<string, string | null>;

interface MessageInfo {
  ownerId: string;
  groupings: Groupings;
}

// The Reporting API names channels email, sms, push-notification, whatsapp (filter description).
const SEND_CHANNEL: Record<string, string> = { email: 'email', sms: 'sms', mobile_push: 'push-notification' };

/** Tags, A/B variations and send groups are not emulated, so those groupings are null. */
const NOT_EMULATED = {
  group: null,
  group_name: null,
  tag_id: null,
  tag_name: null,
  variation: null,
  variation_name: null,
};

function textFormat(channel: string, mediaUrl: unknown): string | null {
  if (channel !== 'sms') return null;
  return mediaUrl ? 'MMS' : 'SMS';
}

function campaignMessages(account: Account): Map<string, MessageInfo> {
  const index = new Map<string, MessageInfo>();
  for (const message of campaignMessagesOf(account).values()) {
    const campaign = campaignsOf(account).get(message.relationships.campaign?.[0] ?? '');
    if (!campaign) continue;
    const definition = message.attributes.definition ?? {};
    index.set(message.id, {
      ownerId: campaign.id,
      groupings: {
        campaign_id: campaign.id,
        campaign_message_id: message.id,
        campaign_message_name: definition.label ?? campaign.attributes.name,
        send_channel: SEND_CHANNEL[definition.channel] ?? definition.channel,
        text_message_format: textFormat(definition.channel, definition.content?.media_url),
        ...NOT_EMULATED,
      },
    });
  }
  return index;
}

function flowMessages(account: Account): Map<string, MessageInfo> {
  const index = new Map<string, MessageInfo>();
  for (const message of flowMessagesOf(account).values()) {
    const action = flowActionsOf(account).get(message.relationships['flow-action']?.[0] ?? '');
    const flow = flowsOf(account).get(action?.relationships.flow?.[0] ?? '');
    if (!flow) continue;
    const channel = String(message.attributes.channel);
    index.set(message.id, {
      ownerId: flow.id,
      groupings: {
        flow_id: flow.id,
        flow_name: flow.attributes.name,
        flow_message_id: message.id,
        flow_message_name: message.attributes.definition?.name ?? null,
        send_channel: SEND_CHANNEL[channel] ?? channel,
        text_message_format: textFormat(channel, message.attributes.definition?.image_id),
        ...NOT_EMULATED,
      },
    });
  }
  return index;
}

// ── collecting events per message ───────────────────────────────────────────

interface Collection {
  index: Map<string, MessageInfo>;
  range: Range;
  conversionMetricId: string;
  /** Bucket starts for series reports; values reports use one bucket. */
  buckets?: number[];
}

/** Tallies per message id (one per bucket), counting each event at its send date. */
function collect(account: Account, c: Collection): Map<string, Tally[]> {
  const metricNames = new Map([...account.metrics.values()].map((m) => [m.id, m.name]));
  const sends = new Map<string, number>();
  for (const e of account.events.values()) {
    const message = e.properties.$message;
    if (!SEND_METRICS.has(metricNames.get(e.metricId) ?? '') || !c.index.has(message)) continue;
    const key = `${message}|${e.profileId}`;
    sends.set(key, Math.min(sends.get(key) ?? e.timeMs, e.timeMs));
  }
  const tallies = new Map<string, Tally[]>();
  const tallyFor = (messageId: string, e: EventRecord): Tally | undefined => {
    const sentMs = sends.get(`${messageId}|${e.profileId}`) ?? e.timeMs;
    if (sentMs < c.range.start || sentMs >= c.range.end) return undefined;
    const bucket = c.buckets ? bucketIndex(c.buckets, sentMs) : 0;
    let list = tallies.get(messageId);
    if (!list) {
      list = Array.from({ length: c.buckets?.length ?? 1 }, emptyTally);
      tallies.set(messageId, list);
    }
    return list[bucket];
  };
  for (const e of account.events.values()) {
    const apply = MESSAGE_METRICS[metricNames.get(e.metricId) ?? ''];
    const message = e.properties.$message;
    if (apply && c.index.has(message)) {
      const t = tallyFor(message, e);
      if (t) apply(t, e);
    }
    const attributed = e.properties.$attributed_message;
    if (e.metricId === c.conversionMetricId && c.index.has(attributed)) {
      const t = tallyFor(attributed, e);
      if (t) countConversion(t, e);
    }
  }
  return tallies;
}

// ── report requests ─────────────────────────────────────────────────────────

interface ReportKind {
  type: string;
  required: string[];
  defaultGroupBy: string[];
  /** Attributes the body `filter` may name (besides the tag_id and tag_name lists). */
  filterable: string[];
  messages: (account: Account) => Map<string, MessageInfo>;
  /** The response relationships for the report's rows. */
  relationships: (rows: { info: MessageInfo; id: string }[]) => Record<string, { data: unknown[] }>;
}

const unique = (ids: string[]) => [...new Set(ids)];

const CAMPAIGN_REPORT: ReportKind = {
  type: 'campaign-values-report',
  // "The following group by attributes are required: campaign_id, campaign_message_id" (group_by).
  required: ['campaign_id', 'campaign_message_id'],
  defaultGroupBy: ['campaign_id', 'campaign_message_id', 'send_channel'],
  filterable: [
    'send_channel',
    'campaign_id',
    'campaign_message_id',
    'campaign_message_name',
    'variation',
    'variation_name',
    'text_message_format',
  ],
  messages: campaignMessages,
  relationships: (rows) => ({
    campaigns: { data: unique(rows.map((r) => r.info.ownerId)).map((id) => ({ type: 'campaign', id })) },
  }),
};

const FLOW_REPORT: ReportKind = {
  type: 'flow-values-report',
  // "The following group by attributes are required: flow_message_id, flow_id" (group_by).
  required: ['flow_id', 'flow_message_id'],
  defaultGroupBy: ['flow_id', 'flow_message_id', 'send_channel'],
  filterable: [
    'flow_id',
    'flow_name',
    'send_channel',
    'flow_message_id',
    'flow_message_name',
    'text_message_format',
    'variation',
    'variation_name',
  ],
  messages: flowMessages,
  relationships: (rows) => ({
    flows: { data: unique(rows.map((r) => r.info.ownerId)).map((id) => ({ type: 'flow', id })) },
    'flow-messages': { data: rows.map((r) => ({ type: 'flow-message', id: r.id })) },
  }),
};

function groupByOf(kind: ReportKind, groupBy: string[] | null | undefined): string[] {
  if (!groupBy) return kind.defaultGroupBy;
  const missing = kind.required.filter((g) => !groupBy.includes(g));
  if (missing.length > 0) {
    throw invalid(`group_by must include ${kind.required.join(' and ')}; missing ${missing.join(', ')}.`, {
      pointer: '/data/attributes/group_by',
    });
  }
  return unique(groupBy);
}

function conversionMetric(account: Account, id: string): string {
  if (!account.metrics.has(id)) {
    throw invalid(`Metric '${id}' does not exist.`, { pointer: '/data/attributes/conversion_metric_id' });
  }
  return id;
}

function parseBodyFilter(text: string, pointer: string): Condition[] {
  try {
    return parseFilter(text);
  } catch (error) {
    if (error instanceof EmulatorError) throw invalid(error.detail, { pointer });
    throw error;
  }
}

const LIST_ATTRIBUTES = ['tag_id', 'tag_name'];
const SEND_CHANNELS = ['email', 'sms', 'push-notification', 'whatsapp'];
const MAX_LIST_ITEMS = 100;

/** The literal values of a condition: the items of a list, or the single value. */
function valuesOf(value: FilterValue | undefined): unknown[] {
  const items = value?.kind === 'array' ? value.items : value ? [value] : [];
  return items.map((item) => ('value' in item ? item.value : null));
}

/**
 * The body `filter` of a values or series report: scalar attributes take equals or contains-any,
 * tag_id and tag_name take contains-any or contains-all; one filter per attribute, AND only, at most
 * 100 items per list, and send_channel one of email, sms, push-notification, whatsapp (filter description).
 */
function reportFilter(text: string | null | undefined, kind: ReportKind): Condition[] {
  if (!text) return [];
  const pointer = '/data/attributes/filter';
  const allowed = [...kind.filterable, ...LIST_ATTRIBUTES];
  const conditions = parseBodyFilter(text, pointer);
  const seen = new Set<string>();
  for (const c of conditions) {
    if (!allowed.includes(c.field)) {
      throw invalid(`'${c.field}' cannot be filtered on; allowed: ${allowed.join(', ')}.`, { pointer });
    }
    if (seen.has(c.field))
      throw invalid(`Only one filter can be used per attribute ('${c.field}').`, { pointer });
    seen.add(c.field);
    const operators = LIST_ATTRIBUTES.includes(c.field)
      ? ['contains-any', 'contains-all']
      : ['equals', 'contains-any'];
    if (!operators.includes(c.operator)) {
      throw invalid(`'${c.operator}' is not supported for '${c.field}'; use ${operators.join(' or ')}.`, {
        pointer,
      });
    }
    const isList = c.value?.kind === 'array';
    if (isList !== (c.operator !== 'equals')) {
      throw invalid(`'${c.operator}' on '${c.field}' takes ${isList ? 'a single value' : 'a list'}.`, {
        pointer,
      });
    }
    const values = valuesOf(c.value);
    if (values.length > MAX_LIST_ITEMS)
      throw invalid(`A list filter takes at most ${MAX_LIST_ITEMS} items.`, { pointer });
    const unknownChannel = values.find((v) => !SEND_CHANNELS.includes(String(v)));
    if (c.field === 'send_channel' && unknownChannel !== undefined) {
      throw invalid(`'${unknownChannel}' is not a send channel; use one of ${SEND_CHANNELS.join(', ')}.`, {
        pointer,
      });
    }
  }
  return conditions;
}

function matchesReportFilter(groupings: Groupings, conditions: Condition[]): boolean {
  return conditions.every((c) => {
    const actual = groupings[c.field];
    const values = valuesOf(c.value);
    if (LIST_ATTRIBUTES.includes(c.field)) {
      // Emulated messages carry no tags, so tag filters match nothing.
      const tags = actual === null || actual === undefined ? [] : [actual];
      return c.operator === 'contains-all'
        ? values.every((v) => tags.includes(v as string))
        : values.some((v) => tags.includes(v as string));
    }
    return values.includes(actual);
  });
}

interface ReportRequest {
  kind: ReportKind;
  statistics: string[];
  groupBy: string[];
  rows: { id: string; info: MessageInfo; tallies: Tally[] }[];
  /** Bucket starts of a series report. */
  starts?: number[];
}

/**
 * Validates a values or series report body and collects one row per message with activity in the
 * timeframe (campaign_message_id / flow_message_id are required groupings, so a row is a message).
 */
function runReport(ctx: Context, kind: ReportKind, buckets?: (range: Range) => number[]): ReportRequest {
  const a = ctx.body.data.attributes;
  if (a.statistics.length === 0) {
    throw invalid('Request at least one statistic.', { pointer: '/data/attributes/statistics' });
  }
  const groupBy = groupByOf(kind, a.group_by);
  const conditions = reportFilter(a.filter, kind);
  const range = resolveTimeframe(ctx.account, a.timeframe);
  const starts = buckets?.(range);
  const index = kind.messages(ctx.account);
  const tallies = collect(ctx.account, {
    index,
    range,
    conversionMetricId: conversionMetric(ctx.account, a.conversion_metric_id),
    buckets: starts,
  });
  const rows = [...index]
    .filter(([id, info]) => tallies.has(id) && matchesReportFilter(info.groupings, conditions))
    .map(([id, info]) => ({ id, info, tallies: tallies.get(id) as Tally[] }));
  return { kind, statistics: unique(a.statistics), groupBy, rows, starts };
}

const pick = (groupings: Groupings, keys: string[]) =>
  Object.fromEntries(keys.map((k) => [k, groupings[k] ?? null]));

function reportDocument(ctx: Context, r: ReportRequest, attributes: Record<string, unknown>) {
  return {
    data: {
      type: r.kind.type,
      attributes: sparse(ctx, r.kind.type, attributes),
      relationships: r.kind.relationships(r.rows),
    },
    links: { self: `${ctx.baseUrl}${ctx.url.pathname}` },
  };
}

function valuesReport(ctx: Context, kind: ReportKind) {
  const r = runReport(ctx, kind);
  const results = r.rows.map((row) => ({
    groupings: pick(row.info.groupings, r.groupBy),
    statistics: statisticsOf(row.tallies[0] as Tally, r.statistics),
  }));
  return ok(reportDocument(ctx, r, { results }));
}

// query_flow_series intervals, and "If hourly is used, the timeframe cannot be longer than 7 days. If
// daily is used, the timeframe cannot be longer than 60 days. If monthly is used, the timeframe cannot
// be longer than 52 weeks." (FlowSeriesRequestDTO interval).
const SERIES_INTERVALS: Record<string, { unit: Unit; maxMs?: number }> = {
  hourly: { unit: 'hour', maxMs: 7 * DAY },
  daily: { unit: 'day', maxMs: 60 * DAY },
  weekly: { unit: 'week' },
  monthly: { unit: 'month', maxMs: 52 * 7 * DAY },
};

function seriesBuckets(ctx: Context, interval: string) {
  const { unit, maxMs } = SERIES_INTERVALS[interval] as { unit: Unit; maxMs?: number };
  return (range: Range) => {
    if (maxMs !== undefined && range.end - range.start > maxMs + 1) {
      throw invalid(`A series with interval '${interval}' can cover at most ${maxMs / DAY} days.`, {
        pointer: '/data/attributes/timeframe',
      });
    }
    return bucketStarts(range, unit, ctx.account.settings.timezone);
  };
}

function seriesReport(ctx: Context) {
  const kind = { ...FLOW_REPORT, type: 'flow-series-report' };
  const r = runReport(ctx, kind, seriesBuckets(ctx, ctx.body.data.attributes.interval));
  const results = r.rows.map((row) => ({
    groupings: pick(row.info.groupings, r.groupBy),
    statistics: Object.fromEntries(
      r.statistics.map((name) => [
        name,
        row.tallies.map((t) => (STATISTICS[name] as (t: Tally) => number)(t)),
      ]),
    ),
  }));
  const tz = ctx.account.settings.timezone;
  return ok(reportDocument(ctx, r, { results, date_times: (r.starts ?? []).map((t) => zonedIso(t, tz)) }));
}

// ── metric aggregates ───────────────────────────────────────────────────────

// "While most are supported, a few notable exceptions are Factory, Europe/Kyiv and Pacific/Kanton.
// This field is case-sensitive." (MetricAggregateQuery timezone).
const UNSUPPORTED_ZONES = ['Factory', 'Europe/Kyiv', 'Pacific/Kanton'];

function checkTimezone(tz: string): string {
  let resolved: string | undefined;
  try {
    resolved = new Intl.DateTimeFormat('en-US', { timeZone: tz }).resolvedOptions().timeZone;
  } catch {
    resolved = undefined;
  }
  // Intl matches names case-insensitively; Klaviyo does not.
  const wrongCase = resolved !== undefined && resolved !== tz && resolved.toLowerCase() === tz.toLowerCase();
  if (!resolved || wrongCase || UNSUPPORTED_ZONES.includes(tz)) {
    throw invalid(`'${tz}' is not a supported timezone (IANA names, case-sensitive).`, {
      pointer: '/data/attributes/timezone',
    });
  }
  return tz;
}

/** The `by` dimensions the spec allows, which are also the fields a filter may name. */
function aggregateDimensions(): string[] {
  const schema = loadSpec().document.components.schemas.MetricAggregateQueryResourceObject;
  return schema.properties.attributes.properties.by.items.enum;
}

const HAS_OFFSET = /(?:[zZ]|[+-]\d{2}:?\d{2})$/;

/** A datetime filter value: with an offset as given, without one in the query's timezone. */
function filterInstant(value: FilterValue, tz: string, pointer: string): number {
  if (value.kind !== 'datetime') {
    throw invalid('Datetimes in filters are ISO 8601 and must not be quoted.', { pointer });
  }
  return HAS_OFFSET.test(value.value) ? value.ms : fromWall(wallFields(value.value), tz);
}

/**
 * The `filter` list: it "must include time range" as greater-or-equal and less-than on datetime
 * (MetricAggregateQuery filter); other conditions name a dimension with equals or contains-any.
 */
function aggregateFilter(filters: string[], tz: string, dimensions: string[]) {
  let start: number | undefined;
  let end: number | undefined;
  const conditions: Condition[] = [];
  filters.forEach((text, i) => {
    const pointer = `/data/attributes/filter/${i}`;
    for (const c of parseBodyFilter(text, pointer)) {
      if (c.field === 'datetime' && c.value) {
        const ms = filterInstant(c.value, tz, pointer);
        if (c.operator === 'greater-or-equal') start = ms;
        else if (c.operator === 'greater-than') start = ms + 1;
        else if (c.operator === 'less-than') end = ms;
        else if (c.operator === 'less-or-equal') end = ms + 1;
        else throw invalid(`'${c.operator}' is not a datetime range operator.`, { pointer });
      } else if (dimensions.includes(c.field) && ['equals', 'contains-any'].includes(c.operator)) {
        conditions.push(c);
      } else {
        throw invalid(`'${c.operator}(${c.field},...)' is not a supported metric aggregate filter.`, {
          pointer,
        });
      }
    }
  });
  if (start === undefined || end === undefined || end <= start) {
    throw invalid(
      'filter must include a datetime range, e.g. greater-or-equal(datetime,2024-01-01T00:00:00) and ' +
        'less-than(datetime,2024-02-01T00:00:00).',
      { pointer: '/data/attributes/filter' },
    );
  }
  return { range: { start, end }, conditions };
}

const dimensionOf = (e: EventRecord, dimension: string) => String(e.properties[dimension] ?? '');

interface AggregateRow {
  dimensions: string[];
  count: number[];
  sum_value: number[];
  unique: Set<string>[];
}

function sortRows(rows: AggregateRow[], sort: string | null | undefined, by: string[]): AggregateRow[] {
  const field = (sort ?? '').replace(/^-/, '');
  const sign = sort?.startsWith('-') ? -1 : 1;
  const total = (row: AggregateRow): number | string => {
    if (field === 'count') return row.count.reduce((a, b) => a + b, 0);
    if (field === 'sum_value') return row.sum_value.reduce((a, b) => a + b, 0);
    if (field === 'unique') return row.unique.reduce((a, b) => a + b.size, 0);
    return row.dimensions[by.indexOf(field)] ?? row.dimensions.join('\u0000');
  };
  return rows.sort((a, b) => {
    const x = total(a);
    const y = total(b);
    return (x < y ? -1 : x > y ? 1 : 0) * sign;
  });
}

function metricAggregates(ctx: Context) {
  const a = ctx.body.data.attributes;
  if (!ctx.account.metrics.has(a.metric_id)) {
    throw invalid(`Metric '${a.metric_id}' does not exist.`, { pointer: '/data/attributes/metric_id' });
  }
  const tz = checkTimezone(a.timezone ?? 'UTC');
  const by: string[] = a.by ?? [];
  const { range, conditions } = aggregateFilter(a.filter, tz, aggregateDimensions());
  // The spec's interval enum (day, hour, month, week) names the units directly.
  const starts = bucketStarts(range, (a.interval ?? 'day') as Unit, tz);
  const rows = new Map<string, AggregateRow>();
  for (const e of ctx.account.events.values()) {
    if (e.metricId !== a.metric_id || e.timeMs < range.start || e.timeMs >= range.end) continue;
    if (!conditions.every((c) => valuesOf(c.value).includes(dimensionOf(e, c.field)))) continue;
    const dimensions = by.map((d) => dimensionOf(e, d));
    const key = JSON.stringify(dimensions);
    let row = rows.get(key);
    if (!row) {
      row = {
        dimensions,
        count: starts.map(() => 0),
        sum_value: starts.map(() => 0),
        unique: starts.map(() => new Set()),
      };
      rows.set(key, row);
    }
    const i = bucketIndex(starts, e.timeMs);
    row.count[i] = (row.count[i] ?? 0) + 1;
    row.sum_value[i] = (row.sum_value[i] ?? 0) + numberOr(e.properties.$value, 0);
    row.unique[i]?.add(e.profileId);
  }
  const measurements: string[] = a.measurements;
  const data = sortRows([...rows.values()], a.sort, by).map((row) => ({
    dimensions: row.dimensions,
    measurements: Object.fromEntries(
      measurements.map((m) => [
        m,
        m === 'unique' ? row.unique.map((s) => s.size) : m === 'count' ? row.count : row.sum_value.map(money),
      ]),
    ),
  }));
  const self = `${ctx.baseUrl}${ctx.url.pathname}`;
  return ok({
    data: {
      type: 'metric-aggregate',
      // "Ephemeral ID associated with the aggregation query" (PostMetricAggregateResponse).
      id: randomUUID(),
      attributes: sparse(ctx, 'metric-aggregate', { dates: starts.map((t) => zonedIso(t, tz)), data }),
      links: { self },
    },
    links: { self },
  });
}

export const reportHandlers: HandlerTable = {
  query_campaign_values: (ctx) => valuesReport(ctx, CAMPAIGN_REPORT),
  query_flow_values: (ctx) => valuesReport(ctx, FLOW_REPORT),
  query_flow_series: seriesReport,
  query_metric_aggregates: metricAggregates,
};
