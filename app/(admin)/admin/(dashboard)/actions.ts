'use server';

import { app } from '@/lib/app';
import type { DashboardActionInput } from '@/lib/klaviyo-next';

/**
 * "Refresh" on the overview: re-reads the period's campaign and flow reports unless they are younger
 * than two minutes, still within the reporting budget; the answer says what happened.
 */
export async function refreshReports(input: DashboardActionInput<'refreshReports'>) {
  return app.klaviyo.dashboard.actions.refreshReports(input);
}
