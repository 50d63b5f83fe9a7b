import type { KlaviyoClient } from '../client';
import { clientSideResource } from './client-side';
import { eventsResource } from './events';
import { listsResource } from './lists';
import { metricsResource } from './metrics';
import { profilesResource } from './profiles';
import { segmentsResource } from './segments';
import { subscriptionsResource } from './subscriptions';

/** Every resource module, each a factory over the one client. */
export function createResources(client: KlaviyoClient) {
  return {
    client,
    profiles: profilesResource(client),
    events: eventsResource(client),
    metrics: metricsResource(client),
    lists: listsResource(client),
    segments: segmentsResource(client),
    subscriptions: subscriptionsResource(client),
    clientSide: clientSideResource(client),
  };
}
