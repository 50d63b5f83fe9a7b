import { accepted, type Context, type HandlerTable, ok } from '../core/context.js';
import { invalid, notFound } from '../core/errors.js';
import { isoTime } from '../core/ids.js';
import { listDocument, relationship, toResource } from '../core/jsonapi.js';
import type { Account, EventInput } from '../store/account.js';
import type { EventRecord, MetricRecord } from '../store/types.js';
import { renderProfile } from './profiles.js';

// bulk_create_events: "Accepts up to 1,000 events per request" (spec description).
export const MAX_BULK_EVENTS = 1000;
// create_event: "properties ... a maximum of 400 properties"; metric name "shorter than 128 characters".
const MAX_PROPERTIES = 400;
const MAX_METRIC_NAME = 127;
// "time ... must be after 1990" and at most one year ahead (create_event `time` description).
const EARLIEST_TIME = Date.UTC(1990, 0, 1);
const ONE_YEAR_MS = 365 * 86_400_000;
// An event's profile "Individual's phone number in E.164 format" and an email address: Klaviyo
// refuses the request for either malformed one (as create_or_update_profile does).
const E164 = /^\+[1-9]\d{6,14}$/;
const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;

/** The 400 for a malformed email or phone number in an event's profile, or undefined. */
function malformedIdentifier(attributes: Record<string, any>, where: string) {
  const { email, phone_number: phone } = attributes;
  if (typeof email === 'string' && email !== '' && !EMAIL.test(email))
    return invalid(`'${email}' is not a valid email address.`, { pointer: `${where}/email` });
  if (typeof phone === 'string' && phone !== '' && !E164.test(phone))
    return invalid(`'${phone}' is not a valid phone number; use E.164, e.g. +15005550006.`, {
      pointer: `${where}/phone_number`,
    });
  return undefined;
}

/**
 * Turns a spec event body into a recordable event, checking the rules the schema cannot express.
 * `pointer` is where the event sits in the request, for error sources.
 */
export function toEventInput(
  account: Account,
  attributes: Record<string, any>,
  profile: { id?: string; attributes?: Record<string, any>; meta?: any },
  pointer: string,
  source: EventInput['source'],
  /** Where the event's profile sits (a bulk entry's is beside its events, not in them). */
  profilePointer = `${pointer}/profile/data`,
): EventInput {
  const name: string = attributes.metric?.data?.attributes?.name ?? '';
  if (name.length === 0 || name.length > MAX_METRIC_NAME) {
    throw invalid(`Metric name must be 1 to ${MAX_METRIC_NAME} characters.`, {
      pointer: `${pointer}/metric/data/attributes/name`,
    });
  }
  if (Object.keys(attributes.properties ?? {}).length > MAX_PROPERTIES) {
    throw invalid(`An event can have at most ${MAX_PROPERTIES} properties.`, {
      pointer: `${pointer}/properties`,
    });
  }
  if (attributes.time !== undefined && attributes.time !== null) {
    const t = Date.parse(attributes.time);
    if (Number.isNaN(t) || t < EARLIEST_TIME || t > account.now() + ONE_YEAR_MS) {
      throw invalid('Event time must be a datetime after 1990 and at most one year in the future.', {
        pointer: `${pointer}/time`,
      });
    }
  }
  const identifiers = profile.attributes ?? {};
  const malformed = malformedIdentifier(identifiers, `${profilePointer}/attributes`);
  if (malformed) throw malformed;
  if (!profile.id && !account.identifies(identifiers)) {
    const where = `${profilePointer}/attributes`;
    throw (
      account.unissuedExchangeId(identifiers, where) ??
      invalid(
        'The profile needs at least one identifier (id, email, phone_number, external_id or anonymous_id).',
        { pointer: where },
      )
    );
  }
  if (profile.id && !account.profiles.has(profile.id)) {
    throw invalid(`Profile '${profile.id}' does not exist.`, { pointer: `${profilePointer}/id` });
  }
  return {
    metricName: name,
    properties: attributes.properties ?? {},
    time: attributes.time ?? undefined,
    value: attributes.value ?? undefined,
    valueCurrency: attributes.value_currency ?? undefined,
    uniqueId: attributes.unique_id ?? undefined,
    backfill: attributes.backfill ?? undefined,
    profile,
    source,
  };
}

export function renderMetric(ctx: Context, metric: MetricRecord) {
  return toResource(ctx, 'metric', metric.id, {
    name: metric.name,
    created: isoTime(metric.createdMs),
    updated: isoTime(metric.updatedMs),
    integration: metric.integration,
  });
}

export function renderEvent(ctx: Context, event: EventRecord) {
  return toResource(
    ctx,
    'event',
    event.id,
    {
      timestamp: event.timeMs / 1000,
      event_properties: event.properties,
      datetime: isoTime(event.timeMs),
      uuid: event.uuid,
    },
    {
      profile: relationship(ctx, 'event', event.id, 'profile', { type: 'profile', id: event.profileId }),
      metric: relationship(ctx, 'event', event.id, 'metric', { type: 'metric', id: event.metricId }),
      attributions: relationship(ctx, 'event', event.id, 'attributions', []),
    },
  );
}

function readEventField(event: EventRecord, field: string): unknown {
  switch (field) {
    case 'metric_id':
    case 'metric':
      return event.metricId;
    case 'profile_id':
    case 'profile':
      return event.profileId;
    case 'datetime':
    case 'timestamp':
      return event.timeMs;
    default:
      return undefined;
  }
}

function eventIncludes(ctx: Context, events: EventRecord[]) {
  const included = new Map<string, unknown>();
  for (const e of events) {
    if (ctx.query.include.includes('metric')) {
      const m = ctx.account.metrics.get(e.metricId);
      if (m) included.set(`metric:${m.id}`, renderMetric(ctx, m));
    }
    if (ctx.query.include.includes('profile')) {
      const p = ctx.account.profiles.get(e.profileId);
      if (p) included.set(`profile:${p.id}`, renderProfile(ctx, p));
    }
  }
  return included.size ? { included: [...included.values()] } : {};
}

function getEventOr404(ctx: Context): EventRecord {
  const event = ctx.account.events.get(ctx.params.id ?? '');
  if (!event) throw notFound(`Event '${ctx.params.id}' does not exist.`);
  return event;
}

export const eventHandlers: HandlerTable = {
  create_event: (ctx) => {
    const a = ctx.body.data.attributes;
    ctx.account.recordEvent(toEventInput(ctx.account, a, a.profile.data, '/data/attributes', 'api'));
    return accepted();
  },

  /**
   * Validates the whole job first (so a bad event rejects the request, as Klaviyo does), then queues
   * it; the events are recorded asynchronously when the job runs.
   */
  bulk_create_events: (ctx) => {
    const entries: any[] = ctx.body.data.attributes['events-bulk-create'].data;
    const total = entries.reduce((n, entry) => n + (entry.attributes.events?.data?.length ?? 0), 0);
    if (total > MAX_BULK_EVENTS) {
      throw invalid(`A bulk create job accepts at most ${MAX_BULK_EVENTS} events; this one has ${total}.`, {
        pointer: '/data/attributes/events-bulk-create/data',
      });
    }
    const inputs: EventInput[] = [];
    entries.forEach((entry, i) => {
      const base = `/data/attributes/events-bulk-create/data/${i}/attributes`;
      const profile = entry.attributes.profile.data;
      (entry.attributes.events?.data ?? []).forEach((event: any, j: number) => {
        const input = toEventInput(
          ctx.account,
          event.attributes,
          profile,
          `${base}/events/data/${j}/attributes`,
          'bulk',
          `${base}/profile/data`,
        );
        if (input.backfill === undefined && entry.attributes.backfill !== undefined)
          input.backfill = entry.attributes.backfill;
        inputs.push(input);
      });
    });
    ctx.account.addJob('event-bulk-create-job', inputs.length, (job) => {
      for (const input of inputs) ctx.account.recordEvent(input);
      job.attributes.completed_count = inputs.length;
    });
    return accepted();
  },

  get_events: (ctx) => {
    const doc = listDocument(ctx, ctx.account.events.values(), {
      read: readEventField,
      sortValue: (e) => e.timeMs,
      render: (e) => renderEvent(ctx, e),
    });
    const events = doc.data
      .map((r) => ctx.account.events.get(r.id))
      .filter((e): e is EventRecord => Boolean(e));
    return ok({ ...doc, ...eventIncludes(ctx, events) });
  },

  get_event: (ctx) => {
    const event = getEventOr404(ctx);
    return ok({ data: renderEvent(ctx, event), ...eventIncludes(ctx, [event]) });
  },

  get_metric_for_event: (ctx) => {
    const event = getEventOr404(ctx);
    const metric = ctx.account.metrics.get(event.metricId);
    if (!metric) throw notFound(`Metric '${event.metricId}' does not exist.`);
    return ok({ data: renderMetric(ctx, metric) });
  },

  get_profile_for_event: (ctx) => {
    const event = getEventOr404(ctx);
    const profile = ctx.account.profiles.get(event.profileId);
    if (!profile) throw notFound(`Profile '${event.profileId}' does not exist.`);
    return ok({ data: renderProfile(ctx, profile) });
  },

  // get_metrics: "Returns a maximum of 200 results per page" (spec description); no page[size].
  get_metrics: (ctx) =>
    ok(
      listDocument(ctx, ctx.account.metrics.values(), {
        read: (m, field) =>
          field === 'integration.name'
            ? m.integration.name
            : field === 'integration.category'
              ? m.integration.category
              : undefined,
        render: (m) => renderMetric(ctx, m),
        fixedPageSize: 200,
      }),
    ),

  get_metric: (ctx) => {
    const metric = ctx.account.metrics.get(ctx.params.id ?? '');
    if (!metric) throw notFound(`Metric '${ctx.params.id}' does not exist.`);
    return ok({ data: renderMetric(ctx, metric) });
  },
};
