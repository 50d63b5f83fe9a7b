import { app } from '@/lib/app';

export const runtime = 'nodejs';

/** The signed-in shopper's verified email onto the browser's Klaviyo profile. */
export const { POST } = app.klaviyo.routes.identify;
