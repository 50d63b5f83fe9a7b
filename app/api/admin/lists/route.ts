import { app } from '@/lib/app';

export const runtime = 'nodejs';
export const dynamic = 'force-dynamic';

/** One page of lists with their cached profile counts. (merchant only) */
export const { GET } = app.klaviyo.routes.dashboard.lists;
