import type { BodyOf } from '../../api/client';
import { type ConsentChange, consentProfile } from '../../events/consent';
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
 * One consent change as a subscribe or unsubscribe target, with consent on the change's channel only.
 * The identifiers are the channel's own (`consentProfile`): the email for email consent; the phone for
 * SMS, with an email beside it only when the change says that email was verified. The job joins what
 * it is given into one profile, so this holds for every row, including ones queued before the rule.
 * `consented_at` is only accepted with `historical_import`, which also skips double opt-in and "Added to
 * List" flows (bulk_subscribe_profiles), so live consent is sent without it; the time and disclosure the
 * shopper saw stay in the store as the proof.
 */
export function consentTarget<C extends ConsentChange['status']>(change: ConsentChange & { status: C }) {
  const marketing = { consent: change.status };
  return {
    ...consentProfile(change),
    subscriptions: change.channel === 'email' ? { email: { marketing } } : { sms: { marketing } },
  };
}
