import type { BodyOf, KlaviyoClient, ResponseOf } from '../client';
import { paginate } from '../paginate';

type ImportBody = BodyOf<'bulk_import_profiles'>;
export type ImportProfile = ImportBody['data']['attributes']['profiles']['data'][number]['attributes'];
export type ImportJob = ResponseOf<'get_bulk_import_profiles_job'>['data'];

// bulk_import_profiles: "Accepts up to 10,000 profiles per request. The maximum allowed payload size
// is 5MB. The maximum allowed payload size per-profile is 100KB." Read as 5,000,000 bytes.
const MAX_PROFILES = 10_000;
const MAX_BYTES = 5_000_000;

/** Profiles cut into bodies within the limits above, in order. */
export function importChunks(profiles: readonly ImportProfile[]): ImportProfile[][] {
  const out: ImportProfile[][] = [];
  let current: ImportProfile[] = [];
  let size = 0;
  for (const profile of profiles) {
    const bytes = Buffer.byteLength(JSON.stringify(profile)) + 40;
    if (current.length === MAX_PROFILES || (current.length > 0 && size + bytes > MAX_BYTES)) {
      out.push(current);
      [current, size] = [[], 0];
    }
    current.push(profile);
    size += bytes;
  }
  if (current.length) out.push(current);
  return out;
}

/** Bulk profile import jobs: many profiles per call, processed asynchronously, with per-profile errors. */
export function profileImportResource(client: KlaviyoClient) {
  return {
    /** Starts as many import jobs as the limits need (optionally adding everyone to a list); returns the jobs. */
    async start(profiles: readonly ImportProfile[], options: { listId?: string } = {}): Promise<ImportJob[]> {
      const jobs: ImportJob[] = [];
      for (const chunk of importChunks(profiles)) {
        const body: ImportBody = {
          data: {
            type: 'profile-bulk-import-job',
            attributes: { profiles: { data: chunk.map((attributes) => ({ type: 'profile', attributes })) } },
            ...(options.listId
              ? { relationships: { lists: { data: [{ type: 'list', id: options.listId }] } } }
              : {}),
          },
        };
        jobs.push((await client.call('bulk_import_profiles', { body })).data as ImportJob);
      }
      return jobs;
    },

    job: async (id: string): Promise<ImportJob> =>
      (await client.call('get_bulk_import_profiles_job', { path: { job_id: id } })).data,

    /** The profiles a job could not import, with Klaviyo's reason for each. */
    errors: (id: string) => paginate(client, 'get_errors_for_bulk_import_profiles_job', { path: { id } }),
  };
}
