'use server';

import { app } from '@/lib/app';
import type { DashboardActionInput } from '@/lib/klaviyo-next';

/** "Check again": key, scopes and webhooks, each at most once a minute. */
export async function recheckConnection(input: DashboardActionInput<'recheckConnection'>) {
  return app.klaviyo.dashboard.actions.recheckConnection(input);
}
