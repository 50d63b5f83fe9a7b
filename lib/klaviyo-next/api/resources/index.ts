import type { KlaviyoClient } from '../client';
import { accountsResource } from './accounts';
import { campaignsResource } from './campaigns';
import { catalogsResource } from './catalogs';
import { clientSideResource } from './client-side';
import { eventsResource } from './events';
import { flowsResource } from './flows';
import { listsResource } from './lists';
import { metricsResource } from './metrics';
import { profileImportResource } from './profile-import';
import { profilesResource } from './profiles';
import { reportsResource } from './reports';
import { segmentsResource } from './segments';
import { subscriptionsResource } from './subscriptions';
import { webhooksResource } from './webhooks';

/** Every resource module, each a factory over the one client. */
export function createResources(client: KlaviyoClient) {
  return {
    client,
    profiles: profilesResource(client),
    profileImport: profileImportResource(client),
    events: eventsResource(client),
    metrics: metricsResource(client),
    lists: listsResource(client),
    segments: segmentsResource(client),
    subscriptions: subscriptionsResource(client),
    clientSide: clientSideResource(client),
    campaigns: campaignsResource(client),
    flows: flowsResource(client),
    reports: reportsResource(client),
    catalogs: catalogsResource(client),
    webhooks: webhooksResource(client),
    accounts: accountsResource(client),
  };
}
