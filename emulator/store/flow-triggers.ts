import { isoTime } from '../core/ids.js';
import type { EventRecord, GenericRecord } from './types.js';

/**
 * Which flows the account's writes would have started: the emulator sends no flow messages, but a
 * test can see who would have entered which flow. A flow record (handlers/flows.ts) names its trigger
 * as `relationships.metric = [metricId]` or `relationships.list = [listId]`.
 *
 * Only a live flow counts: "If your messages are set to Draft they will not send nor will they queue
 * profiles in a waiting list" (Klaviyo help, "Troubleshooting a list- or segment-triggered flow").
 * Events sent with `backfill: true` trigger nothing: "When true, the event is recorded but does NOT
 * trigger flows" (spec, EventCreateQueryV2ResourceObject `backfill`). Consent sent with
 * `historical_import: true` is past consent being synced over ("This should only be used when syncing
 * over historical consent info to Klaviyo", SubscriptionParameters `consented_at`), so it triggers
 * nothing either; the callers leave those out.
 */
export interface FlowTrigger {
  flowId: string;
  flowName: string;
  metric?: string;
  listId?: string;
  profileId: string;
  eventId?: string;
  at: string;
}

/** The flow records of an account, and the name of a metric by id. */
export interface FlowSource {
  flows(): Iterable<GenericRecord>;
  metricName(metricId: string): string | undefined;
  now(): number;
}

const isLive = (flow: GenericRecord) =>
  flow.attributes.status === 'live' && flow.attributes.archived !== true;

export class FlowTriggers {
  readonly entries: FlowTrigger[] = [];
  /**
   * `flowId|profileId` of the list flows entered: "Contacts can only receive a list-triggered flow
   * once" (Klaviyo help, "How to create a list-triggered flow").
   */
  private readonly listEntered = new Set<string>();

  constructor(private readonly source: FlowSource) {}

  /** An event was recorded: every live flow its metric triggers gets an entry (none for a backfill). */
  event(event: EventRecord): void {
    if (event.backfill) return;
    for (const flow of this.source.flows()) {
      if (!isLive(flow) || !(flow.relationships.metric ?? []).includes(event.metricId)) continue;
      this.entries.push({
        flowId: flow.id,
        flowName: String(flow.attributes.name),
        metric: this.source.metricName(event.metricId) ?? event.metricId,
        profileId: event.profileId,
        eventId: event.id,
        at: isoTime(this.source.now()),
      });
    }
  }

  /**
   * A profile newly joined a list: every live flow the list triggers gets an entry, once per profile.
   * Any way of joining counts ("if you import profiles to a list, it will trigger any list-triggered
   * flows", Klaviyo help, "Guide to creating a segment-triggered flow"), except a historical import.
   */
  listJoined(listId: string, profileId: string, options: { historical?: boolean } = {}): void {
    if (options.historical) return;
    for (const flow of this.source.flows()) {
      if (!isLive(flow) || !(flow.relationships.list ?? []).includes(listId)) continue;
      const key = `${flow.id}|${profileId}`;
      if (this.listEntered.has(key)) continue;
      this.listEntered.add(key);
      this.entries.push({
        flowId: flow.id,
        flowName: String(flow.attributes.name),
        listId,
        profileId,
        at: isoTime(this.source.now()),
      });
    }
  }
}
