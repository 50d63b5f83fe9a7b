import type { BodyOf } from '../../klaviyo/client';
import type { ConsentChange } from '../../tracking/consent';
import type { ProfileUpdate } from '../types';

export function profileImportBody(update: ProfileUpdate): BodyOf<'create_or_update_profile'> {
  return {
    data: {
      type: 'profile',
      attributes: {
        ...update.profile,
        ...(update.location ? { location: update.location } : {}),
        ...(update.properties ? { properties: update.properties } : {}),
      },
    },
  } as BodyOf<'create_or_update_profile'>;
}

function identifiers(change: ConsentChange) {
  return {
    ...(change.profile.email ? { email: change.profile.email } : {}),
    ...(change.profile.phone_number ? { phone_number: change.profile.phone_number } : {}),
  };
}

/**
 * One profile in a bulk subscribe job. `consented_at` is only accepted with `historical_import`,
 * which also skips double opt-in and "Added to List" flows (bulk_subscribe_profiles), so live consent
 * is sent without it; the time and disclosure the shopper saw stay in the store as the proof.
 */
export function subscribeProfile(change: ConsentChange) {
  const marketing = { consent: 'SUBSCRIBED' as const };
  return {
    type: 'profile' as const,
    attributes: {
      ...identifiers(change),
      subscriptions: change.channel === 'email' ? { email: { marketing } } : { sms: { marketing } },
    },
  };
}

/** One profile in a bulk unsubscribe job. */
export function unsubscribeProfile(change: ConsentChange) {
  const marketing = { consent: 'UNSUBSCRIBED' as const };
  return {
    type: 'profile' as const,
    attributes: {
      ...identifiers(change),
      subscriptions: change.channel === 'email' ? { email: { marketing } } : { sms: { marketing } },
    },
  };
}
