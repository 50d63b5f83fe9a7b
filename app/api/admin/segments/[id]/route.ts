import { app } from '@/lib/app';

export const runtime = 'nodejs';
export const dynamic = 'force-dynamic';

/** One segment with its cached profile count. (merchant only) */
export const { GET } = app.klaviyo.routes.dashboard.segment;
