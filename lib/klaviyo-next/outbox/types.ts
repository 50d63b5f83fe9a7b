import { type CatalogChange, catalogOrderKey } from '../catalog/change';
import type { ProfileDeletionRequest } from '../erasure/types';
import type { ConsentChange } from '../events/consent';
import type { TrackEvent } from '../events/event';
import type { ProfileIdentity } from '../events/identity';
import { BROWSER_METRICS, type MetricName } from '../events/metrics';

/** A profile write: identity plus the attributes and custom properties to set. */
export interface ProfileUpdate {
  profile: ProfileIdentity;
  properties?: Record<string, unknown>;
  location?: Record<string, string | undefined>;
  /** A past customer sent by the backfill: delivered in the history lane (laneOf). */
  backfill?: true;
}

/** A shopper asking to hear when a sold-out variant (the store's variant id) is back. */
export interface BackInStockRequest {
  profile: ProfileIdentity;
  variantId: string;
  channels: ('EMAIL' | 'SMS')[];
}

/** What can be put in the outbox; `key` makes enqueueing the same fact twice a no-op. */
export type OutboxMessage =
  | { kind: 'event'; key: string; payload: TrackEvent }
  | { kind: 'profile'; key: string; payload: ProfileUpdate }
  | { kind: 'consent'; key: string; payload: ConsentChange }
  | { kind: 'back-in-stock'; key: string; payload: BackInStockRequest }
  | { kind: 'profile-deletion'; key: string; payload: ProfileDeletionRequest }
  | { kind: 'catalog'; key: string; payload: CatalogChange };

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
/**
 * Messages about one person, profile writes and consent changes, share an order key and reach
 * Klaviyo in the order they were accepted: profile writes are last-write-wins there
 * (create_or_update_profile), a late subscribe would undo a newer unsubscribe, and a consent job
 * (email and phone only) sent before the profile write that carries the browser's exchange id would
 * start a second profile instead of joining the one the shopper browsed as. Events need no order:
 * each carries its own time and unique_id.
 */
export function orderKeyOf(message: OutboxMessage): string | null {
  // A deletion joins the person's chain ("Erasure" in the plugin README): a write of hers
  // accepted after it waits until it is sent, so nothing recreates her before the deletion goes.
  if (message.kind === 'profile-deletion') {
    const id = message.payload.identifier;
    return `person:${'email' in id ? id.email : id.phone_number}`;
  }
  // Changes to one catalogue object (a product with its variants, a category) go in order too.
  if (message.kind === 'catalog') return catalogOrderKey(message.payload);
  if (message.kind !== 'profile' && message.kind !== 'consent') return null;
  const { email, phone_number, external_id, _kx } = message.payload.profile;
  const who = email ?? phone_number ?? external_id ?? _kx;
  return who ? `person:${who}` : null;
}

export const backInStockMessage = (request: BackInStockRequest): OutboxMessage => ({
  kind: 'back-in-stock',
  key: `back-in-stock:${request.variantId}:${request.profile.email ?? request.profile.phone_number ?? request.profile.external_id ?? request.profile._kx}`,
  payload: request,
});

/** Claims take lane 0, then lane 1, then lane 2 (OutboxStore.claim). */
export type Lane = 0 | 1 | 2;

/** Past facts the backfill sends (events with `backfill`, historical consent, past customers). */
export const isHistory = (message: OutboxMessage): boolean =>
  (message.kind === 'event' && message.payload.backfill === true) ||
  (message.kind === 'consent' && message.payload.historicalImport === true) ||
  (message.kind === 'profile' && message.payload.backfill === true);

/**
 * Browse events the browser reports (Viewed Product, Added to Cart, Started Checkout: its view and
 * cart ids are the browser's to choose) go in lane 1; everything the store itself records (orders and
 * their lifecycle, profile writes, consent, back in stock) in lane 0, so a flood of browsing never
 * delays a Placed Order. History (isHistory) goes in lane 2, last: a backfill of years of orders
 * never delays what shoppers do today.
 */
export const laneOf = (message: OutboxMessage): Lane => {
  if (isHistory(message)) return 2;
  return message.kind === 'event' && BROWSER_METRICS.includes(message.payload.metric as MetricName) ? 1 : 0;
};
