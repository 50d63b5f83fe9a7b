'use server';

import { z } from 'zod';
import { merchantAction } from '@/lib/auth/action';
import { refreshCached } from '@/lib/klaviyo-next/dashboard/cache/cached';
import { PERIODS } from '@/lib/klaviyo-next/dashboard/contracts';
import { adminDeps } from '@/lib/klaviyo-next/dashboard/deps';
import {
  campaignReportSource,
  flowReportSource,
  MANUAL_REFRESH_MIN_AGE_MS,
} from '@/lib/klaviyo-next/dashboard/reports';

/**
 * "Refresh" on the overview: re-reads the period's campaign and flow reports unless they are younger
 * than two minutes, still within the reporting budget (2/m, 225/day); the answer says what happened.
 */
export const refreshReports = merchantAction(z.object({ period: z.enum(PERIODS) }), async ({ period }) => {
  const deps = await adminDeps();
  const campaigns = await refreshCached(deps, campaignReportSource(deps, period), MANUAL_REFRESH_MIN_AGE_MS);
  const flows = await refreshCached(deps, flowReportSource(deps, period), MANUAL_REFRESH_MIN_AGE_MS);
  const deferred = [campaigns, flows].flatMap((o) => (o.status === 'deferred' ? [o.nextAt] : []));
  return {
    campaigns: campaigns.status,
    flows: flows.status,
    nextRefreshAt: deferred.length ? Math.max(...deferred) : null,
  };
});
