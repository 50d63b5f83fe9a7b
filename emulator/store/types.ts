/**
 * Records the emulator keeps per account. Attribute names follow the response schemas in the spec,
 * so a resource is `{ type, id, attributes: record.attributes }` plus relationships.
 */
export type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
export type Attributes = Record<string, any>;

export interface ProfileRecord {
  id: string;
  attributes: Attributes; // email, phone_number, external_id, first_name, ..., location, properties, created, updated
  subscriptions: Attributes; // the `subscriptions` additional field
  anonymousIds: Set<string>; // anonymous_id values that resolve to this profile (never a _kx)
  exchangeId?: string; // the `_kx` Klaviyo issued for this profile, once one was (exchange-ids.ts)
  createdMs: number;
  updatedMs: number;
}

export interface MetricRecord {
  id: string;
  name: string;
  createdMs: number;
  updatedMs: number;
  integration: Attributes;
}

export interface EventRecord {
  id: string;
  uuid: string;
  metricId: string;
  profileId: string;
  timeMs: number; // truncated to the second, as Klaviyo records it
  properties: Attributes; // event_properties, including $event_id and $value
  uniqueId: string;
  backfill: boolean;
  receivedMs: number;
  /** How it came: the API, a bulk job, klaviyo.js, or recorded by Klaviyo itself (a consent metric). */
  source: 'api' | 'bulk' | 'client' | 'klaviyo';
}

/** An event Klaviyo accepted but did not record because its dedup key was already taken. */
export interface SuppressedEvent {
  metricName: string;
  profileId: string;
  uniqueId: string;
  receivedMs: number;
  reason: 'duplicate_unique_id' | 'duplicate_second';
}

export interface GroupRecord {
  id: string;
  attributes: Attributes;
  createdMs: number;
  updatedMs: number;
  members: Map<string, number>; // profile id -> joined_group_at (ms)
}

export interface GenericRecord {
  id: string;
  attributes: Attributes;
  relationships: Record<string, string[]>;
  createdMs: number;
  updatedMs: number;
}

export interface JobRecord {
  id: string;
  type: string;
  attributes: Attributes; // status, created_at, total_count, completed_count, failed_count, ...
  relationships: Record<string, string[]>;
  errors: Attributes[];
  createdMs: number;
  run: () => void; // processes the job's payload when the emulator runs its queue
}

export interface WebhookRecord {
  id: string;
  attributes: Attributes; // name, description, endpoint_url, enabled, created_at, updated_at
  secretKey: string;
  topics: string[];
}

export interface WebhookDelivery {
  webhookId: string;
  url: string;
  status: number | 'error';
  body: string;
  headers: Record<string, string>;
  atMs: number;
}
