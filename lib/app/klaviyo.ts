import 'server-only';
import { env } from '../env';
import { createKlaviyo, type Klaviyo } from '../klaviyo-next/api';

export type { Klaviyo } from '../klaviyo-next/api';
export { filter, KlaviyoApiError, paginate } from '../klaviyo-next/api';

let shared: Klaviyo | undefined;

/** The app's Klaviyo, configured from lib/env.ts. One per process, so its rate budget is shared. */
export function klaviyo(): Klaviyo {
  const { klaviyo: config } = env();
  shared ??= createKlaviyo({
    apiKey: config.privateKey,
    companyId: config.companyId,
    baseUrl: config.apiUrl,
    timeoutMs: config.timeoutMs,
  });
  return shared;
}
