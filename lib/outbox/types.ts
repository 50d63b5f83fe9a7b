import type { ConsentChange } from '../tracking/consent';
import type { TrackEvent } from '../tracking/event';
import type { ProfileIdentity } from '../tracking/identity';

/** A profile write: identity plus the attributes and custom properties to set. */
export interface ProfileUpdate {
  profile: ProfileIdentity;
  properties?: Record<string, unknown>;
  location?: Record<string, string | undefined>;
}

/** What can be put in the outbox; `key` makes enqueueing the same fact twice a no-op. */
export type OutboxMessage =
  | { kind: 'event'; key: string; payload: TrackEvent }
  | { kind: 'profile'; key: string; payload: ProfileUpdate }
  | { kind: 'consent'; key: string; payload: ConsentChange };

export type OutboxState = 'pending' | 'retrying' | 'delivered' | 'dead';

/** Klaviyo's answer that stopped a message, kept for the merchant and for replay decisions. */
export interface DeliveryError {
  status: number;
  code: string;
  detail: string;
  pointer?: string;
}

export type OutboxRecord = OutboxMessage & {
  id: number;
  state: OutboxState;
  attempts: number;
  availableAt: number;
  lastError?: DeliveryError;
  createdAt: number;
  updatedAt: number;
  deliveredAt?: number;
};

export const eventMessage = (event: TrackEvent): OutboxMessage => ({
  kind: 'event',
  key: `event:${event.uniqueId}`,
  payload: event,
});
export const consentMessage = (change: ConsentChange): OutboxMessage => ({
  kind: 'consent',
  key: change.id,
  payload: change,
});
export const profileMessage = (key: string, update: ProfileUpdate): OutboxMessage => ({
  kind: 'profile',
  key: `profile:${key}`,
  payload: update,
});
