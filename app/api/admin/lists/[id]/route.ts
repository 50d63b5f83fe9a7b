import { app } from '@/lib/app';

export const runtime = 'nodejs';
export const dynamic = 'force-dynamic';

/** One list with its cached profile count. (merchant only) */
export const { GET } = app.klaviyo.routes.dashboard.list;
