import 'server-only';
import { env } from '../env';
import { createKlaviyoClient, type KlaviyoClientOptions } from './client';
import { createResources } from './resources';

export { KlaviyoApiError } from './errors';
export * as filter from './filter';
export { paginate } from './paginate';

/** The client and every resource module over it. */
export function createKlaviyo(options: KlaviyoClientOptions) {
  return createResources(createKlaviyoClient(options));
}

export type Klaviyo = ReturnType<typeof createKlaviyo>;

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
