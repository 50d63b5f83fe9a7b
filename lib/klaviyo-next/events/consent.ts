import type { ProfileIdentity } from './identity';
import { uniqueId } from './unique-id';

export type ConsentChannel = 'email' | 'sms';
export type ConsentStatus = 'SUBSCRIBED' | 'UNSUBSCRIBED';

/**
 * A change of marketing consent, with what the shopper was shown and when they agreed, so it can be
 * proven later and replayed with `historical_import` (bulk_subscribe_profiles).
 *
 * Consent is recorded per identifier: an email change names the email only, an SMS change the phone
 * only, plus the email beside it when, and only when, `emailVerified` says the producer took that
 * email from a verified source (a signed-in account). A subscription job joins the identifiers it is
 * given into one profile, so an email someone typed next to their phone would hand them SMS on a
 * stranger's profile.
 */
export interface ConsentChange {
  id: string;
  channel: ConsentChannel;
  status: ConsentStatus;
  profile: ProfileIdentity;
  /** The email in an SMS change's profile was verified by the store; without it the email is dropped. */
  emailVerified?: true;
  listId?: string;
  consentedAt: string;
  /** Klaviyo `custom_source`, e.g. "Checkout" or "Newsletter footer". */
  source: string;
  disclosure?: { text: string; version?: string };
  /**
   * Past consent sent by the backfill: a subscribe goes with `historical_import` and `consentedAt` as
   * `consented_at` ("The timestamp of when the profile's consent was gathered. This should only be used
   * when syncing over historical consent info", SubscriptionParameters), which bypasses double opt-in
   * and "Added to list" flows (bulk_subscribe_profiles).
   */
  historicalImport?: true;
}

/** The identifiers a consent change may carry for its channel (see ConsentChange). */
export function consentProfile(
  change: Pick<ConsentChange, 'channel' | 'profile' | 'emailVerified'>,
): Pick<ProfileIdentity, 'email' | 'phone_number'> {
  const { email, phone_number } = change.profile;
  if (change.channel === 'email') return email ? { email } : {};
  return {
    ...(phone_number ? { phone_number } : {}),
    ...(email && change.emailVerified ? { email } : {}),
  };
}

export function consentChange(change: Omit<ConsentChange, 'id'>): ConsentChange {
  const who = change.channel === 'sms' ? change.profile.phone_number : change.profile.email;
  if (!who) {
    throw new TypeError(
      `${change.channel} consent needs the profile's ${change.channel === 'sms' ? 'phone number' : 'email'}.`,
    );
  }
  return {
    id: uniqueId('consent', change.channel, change.status, who, change.consentedAt),
    ...change,
    profile: consentProfile(change),
  };
}
