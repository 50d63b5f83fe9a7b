import { app } from '@/lib/app';

export const runtime = 'nodejs';
export const dynamic = 'force-dynamic';

/** One page of outbox messages (newest first) with the count in each state. (merchant only) */
export const { GET } = app.klaviyo.routes.dashboard.delivery;
