import { app } from '@/lib/app';

export const runtime = 'nodejs';
export const dynamic = 'force-dynamic';

/** One page of campaigns of a channel and status, with the period's cached performance. (merchant only) */
export const { GET } = app.klaviyo.routes.dashboard.campaigns;
