import type { ProfileIdentity } from './identity';
import type { MetricName } from './metrics';

/** One event as the builders describe it; lib/klaviyo-next/api turns it into an API body. */
export interface TrackEvent {
  metric: MetricName;
  uniqueId: string;
  /** ISO 8601; Klaviyo keeps it to the second. */
  time: string;
  properties: Record<string, unknown>;
  value?: number;
  valueCurrency?: string;
  profile: ProfileIdentity;
  /**
   * A past event sent by the backfill: "When true, the event is recorded but does NOT trigger flows"
   * (spec, EventCreateQueryV2ResourceObject `backfill`).
   */
  backfill?: true;
}
