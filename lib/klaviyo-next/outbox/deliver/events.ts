import 'server-only';
import type { KlaviyoClient } from '../../api/client';
import { KlaviyoApiError } from '../../api/errors';
import { type EventInput, eventBody, jobBody, type PackedJob, packJobs } from '../../api/resources/events';
import type { TrackEvent } from '../../events/event';
import type { OutboxRecord } from '../types';
import { asApiError, DELIVERED, failed, held, type Outcomes, sendEach, stopsSending } from './outcome';

type EventRecord = Extract<OutboxRecord, { kind: 'event' }>;

/**
 * Below this many events single create_event calls (350/s) beat a bulk job (10/s, processed
 * asynchronously): a trickle is delivered at once without spending the scarce bulk budget.
 */
export const TRICKLE = 10;

export const toEventInput = (event: TrackEvent): EventInput => ({
  metric: event.metric,
  profile: event.profile,
  properties: event.properties,
  time: event.time,
  unique_id: event.uniqueId,
  ...(event.value !== undefined ? { value: event.value } : {}),
  ...(event.valueCurrency ? { value_currency: event.valueCurrency } : {}),
});

const BULK_POINTER =
  /^\/data\/attributes\/events-bulk-create\/data\/(\d+)(?:\/attributes\/events\/data\/(\d+))?/;

/** The records a Klaviyo error pointer blames, if it points into the job. */
function blamed(job: PackedJob<EventRecord>, error: KlaviyoApiError): EventRecord[] | undefined {
  const match = error.pointer ? BULK_POINTER.exec(error.pointer) : null;
  const entry = match?.[1] !== undefined ? job.items[Number(match[1])] : undefined;
  if (!entry) return undefined;
  if (match?.[2] === undefined) return entry;
  const record = entry[Number(match[2])];
  return record ? [record] : undefined;
}

/** The same job without some records (entries left empty are dropped). */
function without(job: PackedJob<EventRecord>, gone: Set<number>): PackedJob<EventRecord> {
  const kept = job.body.data.attributes['events-bulk-create'].data
    .map((entry, i) => {
      const keep = (job.items[i] ?? []).map((r) => !gone.has(r.id));
      const events = entry.attributes.events.data.filter((_, j) => keep[j]);
      return {
        entry: { ...entry, attributes: { ...entry.attributes, events: { data: events } } },
        items: (job.items[i] ?? []).filter((_, j) => keep[j]),
      };
    })
    .filter((e) => e.items.length > 0);
  return { body: jobBody(kept.map((e) => e.entry)), items: kept.map((e) => e.items) };
}

/** One create_event call each; returns the failure that stopped sending, if any. */
const sendSingles = (client: KlaviyoClient, records: readonly EventRecord[], outcomes: Outcomes) =>
  sendEach(records, 8, outcomes, 'create_event', (r) =>
    client.call('create_event', { body: eventBody(toEventInput(r.payload)) }),
  );

/**
 * Sends one job. A job Klaviyo rejects for one bad event is sent again without it (the error's
 * pointer names the event); a rejection without a usable pointer, or a failure of our own, falls back
 * to single calls, so one poison event never holds back the others. Returns the error that should
 * stop further jobs.
 */
async function sendJob(
  client: KlaviyoClient,
  job: PackedJob<EventRecord>,
  outcomes: Outcomes,
): Promise<KlaviyoApiError | undefined> {
  for (;;) {
    const records = job.items.flat();
    if (records.length === 0) return undefined;
    try {
      await client.call('bulk_create_events', { body: job.body });
      for (const r of records) outcomes.set(r.id, DELIVERED);
      return undefined;
    } catch (thrown) {
      const error = asApiError(thrown, 'bulk_create_events');
      const ours = !(thrown instanceof KlaviyoApiError);
      if (stopsSending(error) && !ours) {
        for (const r of records) outcomes.set(r.id, failed(error));
        return error;
      }
      const culprits = ours ? undefined : blamed(job, error);
      if (!culprits) return sendSingles(client, records, outcomes);
      for (const r of culprits) outcomes.set(r.id, failed(error));
      job = without(job, new Set(culprits.map((r) => r.id)));
    }
  }
}

/** Delivers events: singles for a trickle, bulk jobs for anything more. */
export async function deliverEvents(
  client: KlaviyoClient,
  records: readonly EventRecord[],
  outcomes: Outcomes = new Map(),
): Promise<Outcomes> {
  if (records.length < TRICKLE) {
    await sendSingles(client, records, outcomes);
    return outcomes;
  }
  let jobs: PackedJob<EventRecord>[];
  try {
    jobs = packJobs(records, (r) => toEventInput(r.payload));
  } catch {
    // A payload that cannot be packed: single calls find it and deliver the others.
    await sendSingles(client, records, outcomes);
    return outcomes;
  }
  for (const [i, job] of jobs.entries()) {
    const stop = await sendJob(client, job, outcomes);
    if (stop) {
      // Klaviyo is throttling or failing: the remaining jobs would meet the same answer now. They
      // were never sent, so they are held back without counting an attempt.
      for (const r of jobs.slice(i + 1).flatMap((j) => j.items.flat())) outcomes.set(r.id, held(stop));
      break;
    }
  }
  return outcomes;
}
