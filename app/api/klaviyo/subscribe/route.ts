import { app } from '@/lib/app';

export const runtime = 'nodejs';

/** Newsletter and SMS sign-up with the exact consent text. */
export const { POST } = app.klaviyo.routes.subscribe;
