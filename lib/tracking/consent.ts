import type { ProfileIdentity } from './identity';
import { uniqueId } from './unique-id';

export type ConsentChannel = 'email' | 'sms';
export type ConsentStatus = 'SUBSCRIBED' | 'UNSUBSCRIBED';

/**
 * A change of marketing consent, with what the shopper was shown and when they agreed, so it can be
 * proven later and replayed with `historical_import` (bulk_subscribe_profiles).
 */
export interface ConsentChange {
  id: string;
  channel: ConsentChannel;
  status: ConsentStatus;
  profile: ProfileIdentity;
  listId?: string;
  consentedAt: string;
  /** Klaviyo `custom_source`, e.g. "Checkout" or "Newsletter footer". */
  source: string;
  disclosure?: { text: string; version?: string };
}

export function consentChange(change: Omit<ConsentChange, 'id'>): ConsentChange {
  const who = change.channel === 'sms' ? change.profile.phone_number : change.profile.email;
  if (!who) {
    throw new TypeError(
      `${change.channel} consent needs the profile's ${change.channel === 'sms' ? 'phone number' : 'email'}.`,
    );
  }
  return { id: uniqueId('consent', change.channel, change.status, who, change.consentedAt), ...change };
}
