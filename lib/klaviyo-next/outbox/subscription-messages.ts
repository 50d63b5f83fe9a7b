import type { TrackEvent } from '../events/event';
import type { ProfileIdentity } from '../events/identity';
import {
  type SubscriptionChange,
  type SubscriptionCharge,
  type SubscriptionSnapshot,
  subscriptionCancelled,
  subscriptionPaused,
  subscriptionProfileProperties,
  subscriptionRenewed,
  subscriptionResumed,
  subscriptionStarted,
} from '../events/subscriptions';
import { eventMessage, type OutboxMessage, profileMessage } from './types';

/**
 * One subscription change as outbox messages, for a host to enqueue in the transaction that makes
 * the change: its event, and the profile write that sets the subscription's properties. The profile
 * write is keyed by the event's unique_id, so each change is one write (a second pause is a new
 * write, a retried enqueue of the same one is a no-op); writes about one person reach Klaviyo in the
 * order they were accepted (orderKeyOf), so the newest status is the one the profile keeps.
 */
function withProfile(event: TrackEvent, sub: SubscriptionSnapshot): OutboxMessage[] {
  return [
    eventMessage(event),
    profileMessage(event.uniqueId, {
      profile: event.profile,
      properties: subscriptionProfileProperties(sub),
    }),
  ];
}

/** The subscription lifecycle as outbox messages; each takes the subscription as it is after the change. */
export const subscriptionMessages = {
  started: (sub: SubscriptionSnapshot, profile: ProfileIdentity): OutboxMessage[] =>
    withProfile(subscriptionStarted(sub, profile), sub),
  renewed: (
    sub: SubscriptionSnapshot,
    charge: SubscriptionCharge,
    profile: ProfileIdentity,
  ): OutboxMessage[] => withProfile(subscriptionRenewed(sub, charge, profile), sub),
  paused: (
    sub: SubscriptionSnapshot,
    change: SubscriptionChange,
    profile: ProfileIdentity,
  ): OutboxMessage[] => withProfile(subscriptionPaused(sub, change, profile), sub),
  resumed: (
    sub: SubscriptionSnapshot,
    change: SubscriptionChange,
    profile: ProfileIdentity,
  ): OutboxMessage[] => withProfile(subscriptionResumed(sub, change, profile), sub),
  cancelled: (
    sub: SubscriptionSnapshot,
    cancellation: { at: string; reason?: string },
    profile: ProfileIdentity,
  ): OutboxMessage[] => withProfile(subscriptionCancelled(sub, cancellation, profile), sub),
};
