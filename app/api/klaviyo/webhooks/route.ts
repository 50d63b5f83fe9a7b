import { app } from '@/lib/app';

export const runtime = 'nodejs';
export const dynamic = 'force-dynamic';

/** Klaviyo's system webhooks (signed; see lib/klaviyo-next/webhooks/README.md). */
export const { POST } = app.klaviyo.routes.webhooks;
