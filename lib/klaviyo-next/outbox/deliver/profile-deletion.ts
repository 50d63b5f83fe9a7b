import 'server-only';
import type { KlaviyoClient } from '../../api/client';
import type { OutboxRecord } from '../types';
import type { RoundControl } from './index';
import { type Outcomes, sendEach } from './outcome';

type DeletionRecord = Extract<OutboxRecord, { kind: 'profile-deletion' }>;

/**
 * request_profile_deletion's burst limit is 3/s (steady 60/m, the spec's x-klaviyo-ratelimit): at
 * most that many in flight; the governor paces the rest.
 */
const IN_FLIGHT = 3;

/**
 * Data-privacy deletions (POST /api/data-privacy-deletion-jobs), one request per record, each naming
 * exactly one identifier: Klaviyo refuses a request with more than one. Klaviyo answers 202 and deletes
 * every profile matching it later. Once the record is marked delivered its payload (the identifier) is
 * redacted in the same transaction (erasure/redact.ts), so the outbox keeps no copy of it.
 */
export async function deliverProfileDeletions(
  client: KlaviyoClient,
  records: readonly DeletionRecord[],
  outcomes: Outcomes,
  control: RoundControl,
): Promise<Outcomes> {
  const send = (record: DeletionRecord, signal: AbortSignal) => {
    const id = record.payload.identifier;
    const attributes = 'email' in id ? { email: id.email } : { phone_number: id.phone_number };
    return client.call('request_profile_deletion', {
      body: {
        data: {
          type: 'data-privacy-deletion-job',
          attributes: { profile: { data: { type: 'profile', attributes } } },
        },
      },
      signal,
    });
  };
  await sendEach(records, IN_FLIGHT, outcomes, 'request_profile_deletion', send, control);
  return outcomes;
}
