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

/**
 * One consent change as a subscribe or unsubscribe target: the person's email and phone, and consent on
 * the change's channel only (an SMS change that also names the email leaves email consent alone).
 * `consented_at` is only accepted with `historical_import`, which also skips double opt-in and "Added to
 * List" flows (bulk_subscribe_profiles), so live consent is sent without it; the time and disclosure the
 * shopper saw stay in the store as the proof.
 */
export function consentTarget<C extends ConsentChange['status']>(change: ConsentChange & { status: C }) {
  const marketing = { consent: change.status };
  return {
    ...(change.profile.email ? { email: change.profile.email } : {}),
    ...(change.profile.phone_number ? { phone_number: change.profile.phone_number } : {}),
    subscriptions: change.channel === 'email' ? { email: { marketing } } : { sms: { marketing } },
  };
}
