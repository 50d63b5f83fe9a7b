import 'server-only';
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
