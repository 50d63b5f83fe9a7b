import 'server-only';
import type { KlaviyoClient } from '../../api/client';
import { KlaviyoApiError } from '../../api/errors';
import { type EventInput, eventBody, type PackedJob, packJobs } from '../../api/resources/events';
import type { TrackEvent } from '../../events/event';
import type { OutboxRecord } from '../types';
import type { RoundControl } from './index';
import {
  DELIVERED,
  deliveredAsync,
  failed,
  holdRest,
  type Outcome,
  type Outcomes,
  onFailure,
  sendEach,
  stoppedBy,
  stopsSending,
} from './outcome';
import type { Rides } from './riding';

type EventRecord = Extract<OutboxRecord, { kind: 'event' }>;
type ProfileRecord = Extract<OutboxRecord, { kind: 'profile' }>;

/**
 * Below this many events single create_event calls (350/s) beat a bulk job (10/s, processed
 * asynchronously): a trickle is delivered at once without spending the scarce bulk budget.
 */
export const TRICKLE = 10;

/**
 * How long a profile write that rode on events fences its person (the next write waits). Klaviyo
 * processes events asynchronously ("Events are created asynchronously. Successful response indicates
 * that the event was validated and submitted for processing, but does not guarantee that processing
 * is complete": create_event) and an events bulk job answers 202 with no job to poll
 * (bulk_create_events: no status operation in the spec), so the only fence there can be is a stated
 * window. 30 s is several times the few seconds Klaviyo's own tools show an event taking to appear,
 * yet short enough that a person's next write (often the order's consent) is not held for long.
 */
export const EVENTS_SETTLE_MS = 30_000;

export interface EventDeliveryOptions {
  /** Profile writes riding on these events (riding.ts planRides). */
  rides?: Rides;
  /** The fence a ridden write leaves (EVENTS_SETTLE_MS); false writes none (tests of the fence). */
  settleMs?: number | false;
}

export const toEventInput = (event: TrackEvent): EventInput => ({
  metric: event.metric,
  profile: event.profile,
  properties: event.properties,
  time: event.time,
  unique_id: event.uniqueId,
  ...(event.value !== undefined ? { value: event.value } : {}),
  ...(event.valueCurrency ? { value_currency: event.valueCurrency } : {}),
  ...(event.backfill ? { backfill: true } : {}),
});

/** Where a bulk job's error points: an entry, and in it one event or the entry's profile. */
const BULK_POINTER =
  /^\/data\/attributes\/events-bulk-create\/data\/(\d+)(?:\/attributes\/(?:events\/data\/(\d+)|(profile)))?/;
/** create_event's profile. */
const SINGLE_PROFILE_POINTER = /^\/data\/attributes\/profile(?:\/|$)/;

/**
 * Delivers events: singles for a trickle, bulk jobs for anything more. A profile write riding on an
 * event goes in the event's entry profile; it is delivered once a call carrying it is accepted, and
 * fences its person for `settleMs`. A write Klaviyo refuses inside an entry (the error points at the
 * entry's profile) stops riding and the events are sent again with their own profiles: a ride never
 * costs the events. A write whose events were all refused or never sent is left without an outcome,
 * for the profile deliverer to send on its own.
 */
export async function deliverEvents(
  client: KlaviyoClient,
  records: readonly EventRecord[],
  outcomes: Outcomes,
  control: RoundControl,
  options: EventDeliveryOptions = {},
): Promise<Outcomes> {
  const rides: Rides = new Map(options.rides ?? []);
  const settleMs = options.settleMs ?? EVENTS_SETTLE_MS;
  const input = (r: EventRecord): EventInput => ({
    ...toEventInput(r.payload),
    profile: rides.get(r.id)?.profile ?? r.payload.profile,
  });
  const carried = (rider: ProfileRecord) => {
    if (outcomes.has(rider.id)) return;
    const outcome: Outcome =
      settleMs === false ? DELIVERED : deliveredAsync({ untilMs: control.now() + settleMs });
    outcomes.set(rider.id, outcome);
  };
  const unride = (rider: ProfileRecord) => {
    for (const [id, ride] of rides) if (ride.rider === rider) rides.delete(id);
  };
  const accepted = (sent: readonly EventRecord[], profiles: Map<number, ProfileRecord | undefined>) => {
    for (const r of sent) {
      outcomes.set(r.id, DELIVERED);
      const rider = profiles.get(r.id);
      if (rider) carried(rider);
    }
  };

  /** One create_event call each; a write refused in the event's profile is dropped and the event sent again. */
  const sendSingles = (singles: readonly EventRecord[]) =>
    sendEach(
      singles,
      8,
      outcomes,
      'create_event',
      async (r, signal) => {
        const rider = rides.get(r.id)?.rider;
        try {
          await client.call('create_event', { body: eventBody(input(r)), signal });
          if (rider) carried(rider);
        } catch (error) {
          const intoProfile =
            error instanceof KlaviyoApiError && SINGLE_PROFILE_POINTER.test(error.pointer ?? '');
          if (!rider || !intoProfile) throw error;
          unride(rider);
          await client.call('create_event', { body: eventBody(input(r)), signal });
        }
      },
      control,
    );

  /** Packs records into jobs and sends them in turn. */
  async function sendRecords(batch: readonly EventRecord[]): Promise<void> {
    if (batch.length === 0) return;
    let jobs: PackedJob<EventRecord>[];
    try {
      jobs = packJobs(batch, input);
    } catch {
      // A payload that cannot be packed: single calls find it and deliver the others.
      await sendSingles(batch);
      return;
    }
    for (const job of jobs) {
      const stop = stoppedBy(control);
      // Klaviyo is throttling or failing, or the round ran out: the jobs not sent are held back.
      if (stop) holdRest(job.items.flat(), outcomes, stop);
      else await sendJob(job);
    }
  }

  /**
   * Sends one job. A job Klaviyo rejects for one bad event is sent again without it (the error's
   * pointer names the event); for a bad entry profile, without the write riding in it, or without the
   * entry's events when none rides; a rejection without a usable pointer, or a failure of our own,
   * falls back to single calls, so one poison event never holds back the others.
   */
  async function sendJob(job: PackedJob<EventRecord>): Promise<void> {
    const sent = job.items.flat();
    // Who rode in this body, as it was built (a later unride must not change what was carried).
    const riders = new Map(sent.map((r) => [r.id, rides.get(r.id)?.rider]));
    try {
      await client.call('bulk_create_events', { body: job.body, signal: control.signal });
      accepted(sent, riders);
      return;
    } catch (thrown) {
      const outcome = onFailure(control, thrown, 'bulk_create_events');
      const ours = !(thrown instanceof KlaviyoApiError);
      // Aborted in flight (held), or an answer every other call would meet now (failed, round stopped).
      if (outcome.kind === 'held' || (!ours && stopsSending(thrown as KlaviyoApiError))) {
        for (const r of sent) outcomes.set(r.id, outcome);
        return;
      }
      const match = ours ? null : BULK_POINTER.exec((thrown as KlaviyoApiError).pointer ?? '');
      const entry = match?.[1] !== undefined ? job.items[Number(match[1])] : undefined;
      if (!match || !entry) {
        await sendSingles(sent);
        return;
      }
      const rider = match[3] ? riders.get((entry[0] as EventRecord).id) : undefined;
      if (rider) {
        unride(rider);
        await sendRecords(sent);
        return;
      }
      const event = match[2] !== undefined ? entry[Number(match[2])] : undefined;
      const culprits = match[2] !== undefined ? (event ? [event] : []) : entry;
      if (culprits.length === 0) {
        await sendSingles(sent);
        return;
      }
      for (const r of culprits) outcomes.set(r.id, failed(thrown, 'bulk_create_events'));
      const gone = new Set(culprits.map((r) => r.id));
      await sendRecords(sent.filter((r) => !gone.has(r.id)));
    }
  }

  if (records.length < TRICKLE) await sendSingles(records);
  else await sendRecords(records);
  const stop = stoppedBy(control);
  if (stop) holdRest(records, outcomes, stop);
  return outcomes;
}
