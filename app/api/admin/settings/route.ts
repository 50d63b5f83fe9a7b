import { app } from '@/lib/app';

export const runtime = 'nodejs';
export const dynamic = 'force-dynamic';

/** The key's validity and scopes, the pinned revision, live or emulator, webhook registration. (merchant only) */
export const { GET } = app.klaviyo.routes.dashboard.settings;
