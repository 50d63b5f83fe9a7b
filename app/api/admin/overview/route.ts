import { app } from '@/lib/app';

export const runtime = 'nodejs';
export const dynamic = 'force-dynamic';

/** Revenue from the cached reports, events delivered per hour and outbox health. (merchant only) */
export const { GET } = app.klaviyo.routes.dashboard.overview;
