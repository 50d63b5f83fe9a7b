import type { HandlerTable } from '../core/context.js';
import { accountHandlers } from './accounts.js';
import { campaignHandlers } from './campaigns.js';
import { catalogHandlers } from './catalogs.js';
import { clientHandlers } from './client.js';
import { eventHandlers } from './events.js';
import { flowHandlers } from './flows.js';
import { listHandlers } from './lists.js';
import { profileHandlers } from './profiles.js';
import { reportHandlers } from './reports.js';
import { segmentHandlers } from './segments.js';
import { subscriptionHandlers } from './subscriptions.js';
import { webhookHandlers } from './webhooks.js';

/** Every emulated operation, keyed by the spec's operationId. */
export const allHandlers: HandlerTable = {
  ...accountHandlers,
  ...profileHandlers,
  ...eventHandlers,
  ...listHandlers,
  ...segmentHandlers,
  ...subscriptionHandlers,
  ...campaignHandlers,
  ...flowHandlers,
  ...reportHandlers,
  ...catalogHandlers,
  ...webhookHandlers,
  ...clientHandlers,
};
