import 'server-only';
import type { KlaviyoClient } from '../../api/client';
import { profilesResource } from '../../api/resources/profiles';
import type { OutboxRecord } from '../types';
import { profileImportBody } from './bodies';
import { type Outcomes, sendEach } from './outcome';

type ProfileRecord = Extract<OutboxRecord, { kind: 'profile' }>;

/**
 * Profile writes through profile-import (create or update by identifier, 75/s). A 409 means another
 * profile holds some of the identifiers: the write goes, without them, to the profile the others
 * resolve to, or nowhere (profilesResource.upsert); it is never written to the profile holding them.
 */
export async function deliverProfiles(
  client: KlaviyoClient,
  records: readonly ProfileRecord[],
  outcomes: Outcomes = new Map(),
): Promise<Outcomes> {
  const profiles = profilesResource(client);
  // Once Klaviyo is throttling or failing, the rest would meet the same answer: stop asking. Those
  // never sent are held back without counting an attempt.
  await sendEach(records, 8, outcomes, 'create_or_update_profile', (record) =>
    profiles.upsert(profileImportBody(record.payload).data.attributes),
  );
  return outcomes;
}
