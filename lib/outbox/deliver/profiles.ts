import 'server-only';
import type { KlaviyoClient } from '../../klaviyo/client';
import { KlaviyoApiError } from '../../klaviyo/errors';
import type { OutboxRecord } from '../types';
import { profileImportBody } from './bodies';
import { eachLimited, type Outcomes } from './outcome';

type ProfileRecord = Extract<OutboxRecord, { kind: 'profile' }>;

/**
 * Profile writes through profile-import (create or update by identifier, 75/s). A 409 means another
 * profile holds one of the identifiers: the write goes to that profile without the contested ones.
 */
export async function deliverProfiles(
  client: KlaviyoClient,
  records: readonly ProfileRecord[],
): Promise<Outcomes> {
  const outcomes: Outcomes = new Map();
  // Once Klaviyo is throttling or failing, the rest would meet the same answer: stop asking.
  let stop: KlaviyoApiError | undefined;
  await eachLimited(records, 8, async (record) => {
    if (stop) {
      outcomes.set(record.id, stop);
      return;
    }
    try {
      try {
        await client.call('create_or_update_profile', { body: profileImportBody(record.payload) });
      } catch (error) {
        const existing = error instanceof KlaviyoApiError ? error.duplicateProfileId : undefined;
        if (!existing) throw error;
        const {
          email: _e,
          phone_number: _p,
          external_id: _x,
          ...rest
        } = profileImportBody(record.payload).data.attributes;
        await client.call('update_profile', {
          path: { id: existing },
          body: { data: { type: 'profile', id: existing, attributes: rest } },
        });
      }
      outcomes.set(record.id, undefined);
    } catch (error) {
      if (!(error instanceof KlaviyoApiError)) throw error;
      if (error.retryable) stop = error;
      outcomes.set(record.id, error);
    }
  });
  return outcomes;
}
