import type { KlaviyoClient } from '../client';
import { profilesResource } from './profiles';

/** Every resource module, each a factory over the one client. */
export function createResources(client: KlaviyoClient) {
  return {
    client,
    profiles: profilesResource(client),
  };
}
