import type { BodyOf, KlaviyoClient, ResponseOf } from '../client';
import { buildFilter, type Condition, equals, greaterOrEqual, lessThan } from '../filter';
import type { operations } from '../generated/api';
import { paginate } from '../paginate';

type BulkBody = BodyOf<'bulk_create_events'>;
/** One profile and its events: an entry of a bulk job, and the whole body of bulk_create_client_events. */
export type BulkEntry = BulkBody['data']['attributes']['events-bulk-create']['data'][number];
type BulkEvent = BulkEntry['attributes']['events']['data'][number];
type ProfileAttributes = NonNullable<BulkEntry['attributes']['profile']['data']['attributes']>;
export type Event = ResponseOf<'get_event'>['data'];

/** Who an event is about: at least one identifier (id, email, phone_number, external_id, ...). */
export type EventProfile = ProfileAttributes & { id?: string };

export interface EventInput {
  /** The metric's name, "less than 128 characters" (create_event `metric.name`). */
  metric: string;
  profile: EventProfile;
  properties?: Record<string, unknown>;
  /** When it happened; defaults to when Klaviyo receives it, and is truncated to the second. */
  time?: Date | string;
  value?: number;
  value_currency?: string;
  /** Klaviyo keeps only the first event per profile, metric and unique_id (default: the second of `time`). */
  unique_id?: string;
  /** Records the event without triggering flows, for historical imports. */
  backfill?: boolean;
}

/** Events of a metric and/or profile, with `datetime` in [since, until). */
export interface EventQuery {
  metricId?: string;
  profileId?: string;
  since?: Date;
  until?: Date;
  sort?: NonNullable<operations['get_events']['parameters']['query']>['sort'];
  /** get_events: default 200, max 1000. */
  pageSize?: number;
}

// bulk_create_events: "Accepts up to 1,000 events per request. The maximum allowed payload size is
// 5MB." Read as 5,000,000 bytes, the smaller reading, so a job is never over either one.
const MAX_EVENTS_PER_JOB = 1000;
const MAX_JOB_BYTES = 5_000_000;

const bytes = (value: unknown) => Buffer.byteLength(JSON.stringify(value));

export function eventAttributes(event: Omit<EventInput, 'profile'>) {
  return {
    properties: event.properties ?? {},
    metric: { data: { type: 'metric' as const, attributes: { name: event.metric } } },
    time: event.time instanceof Date ? event.time.toISOString() : event.time,
    value: event.value,
    value_currency: event.value_currency,
    unique_id: event.unique_id,
    backfill: event.backfill ?? false,
  } satisfies BulkEvent['attributes'];
}

const profileData = ({ id, ...attributes }: EventProfile) => ({ type: 'profile' as const, id, attributes });

/** The body of create_event and create_client_event. */
export const eventBody = (event: EventInput) => ({
  data: {
    type: 'event' as const,
    attributes: { ...eventAttributes(event), profile: { data: profileData(event.profile) } },
  },
});

// The entry's backfill is null: each event's own decides, so the two levels never disagree.
export const bulkEntry = (profile: EventProfile, events: BulkEvent[]): BulkEntry => ({
  type: 'event-bulk-create',
  attributes: { profile: { data: profileData(profile) }, events: { data: events }, backfill: null },
});

export const jobBody = (entries: BulkEntry[]): BulkBody => ({
  data: { type: 'event-bulk-create-job', attributes: { 'events-bulk-create': { data: entries } } },
});

/** A job body and, for each of its entries, the items whose events it holds, in order. */
export interface PackedJob<T> {
  body: BulkBody;
  items: T[][];
}

/**
 * Groups events per profile (same profile object, same entry) and packs them into as few job bodies
 * as the limits allow; a profile whose events span two jobs appears in both. Every item is counted
 * with a separating comma, an upper bound on the size. `items` lets a caller map Klaviyo's error
 * pointers (`/data/attributes/events-bulk-create/data/{i}/attributes/events/data/{j}`) back to its own.
 */
export function packJobs<T>(sources: readonly T[], toEvent: (source: T) => EventInput): PackedJob<T>[] {
  const groups = new Map<string, { profile: EventProfile; events: { source: T; event: BulkEvent }[] }>();
  for (const source of sources) {
    const input = toEvent(source);
    const key = JSON.stringify(input.profile);
    const group = groups.get(key) ?? { profile: input.profile, events: [] };
    group.events.push({ source, event: { type: 'event', attributes: eventAttributes(input) } });
    groups.set(key, group);
  }
  const jobs: { entries: BulkEntry[]; items: T[][] }[] = [];
  let job: { entries: BulkEntry[]; items: T[][] } = { entries: [], items: [] };
  let [count, size] = [MAX_EVENTS_PER_JOB, 0];
  for (const group of groups.values()) {
    const entryBytes = bytes(bulkEntry(group.profile, [])) + 1;
    let entry: BulkEntry | undefined;
    for (const { source, event } of group.events) {
      const eventBytes = bytes(event) + 1;
      const adds = eventBytes + (entry ? 0 : entryBytes);
      // The first event opens a job (count starts full); a job is never left empty.
      if (count === MAX_EVENTS_PER_JOB || (count > 0 && size + adds > MAX_JOB_BYTES)) {
        job = { entries: [], items: [] };
        jobs.push(job);
        [count, size, entry] = [0, bytes(jobBody([])), undefined];
      }
      if (!entry) {
        entry = bulkEntry(group.profile, []);
        job.entries.push(entry);
        job.items.push([]);
        size += entryBytes;
      }
      entry.attributes.events.data.push(event);
      job.items[job.items.length - 1]?.push(source);
      [count, size] = [count + 1, size + eventBytes];
    }
  }
  return jobs.map((j) => ({ body: jobBody(j.entries), items: j.items }));
}

/** Events: tracking one or many (bulk jobs), and reading them back. */
export function eventsResource(client: KlaviyoClient) {
  return {
    /** Tracks one event (202: validated and queued; Klaviyo processes it asynchronously). */
    async create(event: EventInput): Promise<void> {
      await client.call('create_event', { body: eventBody(event) });
    },

    /** Tracks events in bulk jobs of at most 1,000 events and 5MB each; returns the job count. */
    async bulkCreate(events: EventInput[]): Promise<number> {
      const jobs = packJobs(events, (event) => event);
      for (const { body } of jobs) await client.call('bulk_create_events', { body });
      return jobs.length;
    },

    /** Every event matching the query, across pages. */
    list(query: EventQuery = {}) {
      const conditions: Condition[] = [];
      if (query.metricId) conditions.push(equals('metric_id', query.metricId));
      if (query.profileId) conditions.push(equals('profile_id', query.profileId));
      if (query.since) conditions.push(greaterOrEqual('datetime', query.since));
      if (query.until) conditions.push(lessThan('datetime', query.until));
      const filter = conditions.length ? buildFilter(...conditions) : undefined;
      return paginate(client, 'get_events', {
        query: { filter, sort: query.sort, 'page[size]': query.pageSize },
      });
    },

    get: async (id: string): Promise<Event> => (await client.call('get_event', { path: { id } })).data,
  };
}
