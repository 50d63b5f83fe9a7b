import { app } from '@/lib/app';

export const runtime = 'nodejs';
export const dynamic = 'force-dynamic';

/** One page of flows with trigger, status, cached actions and the period's cached revenue. (merchant only) */
export const { GET } = app.klaviyo.routes.dashboard.flows;
