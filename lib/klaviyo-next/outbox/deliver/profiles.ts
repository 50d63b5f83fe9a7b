import 'server-only';
import type { BodyOf, KlaviyoClient } from '../../api/client';
import { KlaviyoApiError } from '../../api/errors';
import { type ImportProfile, importChunks } from '../../api/resources/profile-import';
import { profilesResource } from '../../api/resources/profiles';
import type { OutboxRecord } from '../types';
import { profileImportBody } from './bodies';
import type { RoundControl } from './index';
import {
  DELIVERED,
  deliveredAsync,
  failed,
  holdRest,
  type Outcomes,
  onFailure,
  sendEach,
  stoppedBy,
  stopsSending,
} from './outcome';

type ProfileRecord = Extract<OutboxRecord, { kind: 'profile' }>;

/**
 * Below this many writes, single create_or_update_profile calls (75/s, 700/m) beat an import job
 * (bulk_import_profiles 10/s, 150/m): a job costs one of 150 import calls a minute and at least one
 * of 150 get_bulk_import_profiles_job polls, about what five singles cost of their 700 a minute, and
 * it settles only once polled complete.
 */
export const PROFILE_TRICKLE = 5;

/**
 * The longest an import job fences its people when nobody polls it complete (import-jobs.ts lifts the
 * fence as soon as it sees the job complete, and extends it while the job is still processing).
 */
export const IMPORT_FENCE_MS = 10 * 60_000;

export interface ProfileDeliveryOptions {
  /** PROFILE_TRICKLE. */
  trickle?: number;
  /** IMPORT_FENCE_MS; false: an import job fences no one (tests of the fence). */
  fenceMs?: number | false;
}

/** An import error (and create_or_update_profile's) pointer at one profile of the job. */
const PROFILE_POINTER = /^\/data\/attributes\/profiles\/data\/(\d+)(?:\/|$)/;

const importAttributes = (r: ProfileRecord) =>
  profileImportBody(r.payload).data.attributes as unknown as ImportProfile;

const importBody = (group: readonly ProfileRecord[]): BodyOf<'bulk_import_profiles'> => ({
  data: {
    type: 'profile-bulk-import-job',
    attributes: {
      profiles: { data: group.map((r) => ({ type: 'profile' as const, attributes: importAttributes(r) })) },
    },
  },
});

/**
 * Profile writes that did not ride on an event (riding.ts). A trickle goes one create_or_update_profile
 * each (create or update by identifier): a 409 means another profile holds some of the identifiers,
 * and the write goes, without them, to the profile the others resolve to, or nowhere
 * (profilesResource.upsert); it is never written to the profile holding them. More than a trickle go in
 * bulk_import_profiles jobs (up to 10,000 profiles and 5MB each), which Klaviyo works later: each
 * write is delivered with the job, fencing its person until the job is polled complete
 * (import-jobs.ts), whose import errors then dead-letter the writes they name with Klaviyo's reason.
 */
export async function deliverProfiles(
  client: KlaviyoClient,
  records: readonly ProfileRecord[],
  outcomes: Outcomes,
  control: RoundControl,
  options: ProfileDeliveryOptions = {},
): Promise<Outcomes> {
  const profiles = profilesResource(client);
  const fenceMs = options.fenceMs ?? IMPORT_FENCE_MS;
  const singles = (group: readonly ProfileRecord[]) =>
    sendEach(
      group,
      8,
      outcomes,
      'create_or_update_profile',
      (record, signal) => profiles.upsert(profileImportBody(record.payload).data.attributes, { signal }),
      control,
    );

  /**
   * One job for the group. Klaviyo checks a job's body whole and refuses it for one bad profile,
   * naming it by its pointer: that write fails alone and the rest are sent again without it. A
   * refusal without such a pointer, or a failure of our own, falls back to one call per write, so each
   * gets its own answer.
   */
  async function sendImport(group: readonly ProfileRecord[]): Promise<void> {
    let pending = [...group];
    while (pending.length > 0) {
      const stop = stoppedBy(control);
      if (stop) return holdRest(pending, outcomes, stop);
      try {
        const job = await client.call('bulk_import_profiles', {
          body: importBody(pending),
          signal: control.signal,
        });
        const id = String(job.data.id);
        for (const r of pending)
          outcomes.set(
            r.id,
            fenceMs === false ? DELIVERED : deliveredAsync({ untilMs: control.now() + fenceMs, job: id }),
          );
        return;
      } catch (thrown) {
        const outcome = onFailure(control, thrown, 'bulk_import_profiles');
        const ours = !(thrown instanceof KlaviyoApiError);
        if (outcome.kind === 'held' || (!ours && stopsSending(thrown as KlaviyoApiError))) {
          for (const r of pending) outcomes.set(r.id, outcome);
          return;
        }
        const index = ours ? undefined : PROFILE_POINTER.exec((thrown as KlaviyoApiError).pointer ?? '')?.[1];
        const culprit = index === undefined ? undefined : pending[Number(index)];
        if (!culprit) {
          await singles(pending);
          return;
        }
        outcomes.set(culprit.id, failed(thrown, 'bulk_import_profiles'));
        pending = pending.filter((r) => r !== culprit);
      }
    }
  }

  if (records.length < (options.trickle ?? PROFILE_TRICKLE)) {
    await singles(records);
    return outcomes;
  }
  // importChunks keeps the order and cuts it in runs: walk the records along the chunks.
  let at = 0;
  for (const chunk of importChunks(records.map(importAttributes))) {
    await sendImport(records.slice(at, at + chunk.length));
    at += chunk.length;
  }
  return outcomes;
}
