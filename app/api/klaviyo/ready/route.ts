import { app } from '@/lib/app';

export const runtime = 'nodejs';
export const dynamic = 'force-dynamic';

/** Readiness: 200 when the database answers and the plugin's migrations are applied, else 503 naming which. */
export const { GET } = app.klaviyo.routes.ready;
