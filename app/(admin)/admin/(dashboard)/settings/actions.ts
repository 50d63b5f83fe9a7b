'use server';

import { app } from '@/lib/app';
import type { DashboardActionInput } from '@/lib/klaviyo-next';

/** "Check again": key, scopes and webhooks, each at most once a minute. */
export async function recheckConnection(input: DashboardActionInput<'recheckConnection'>) {
  return app.klaviyo.dashboard.actions.recheckConnection(input);
}

/** "Register webhook": the store's webhook at Klaviyo for the consent topics. */
export async function registerWebhook(input: DashboardActionInput<'registerWebhook'>) {
  return app.klaviyo.dashboard.actions.registerWebhook(input);
}

/** "Remove webhook": deletes the store's webhook at Klaviyo. */
export async function removeWebhook(input: DashboardActionInput<'removeWebhook'>) {
  return app.klaviyo.dashboard.actions.removeWebhook(input);
}
