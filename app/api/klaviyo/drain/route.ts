import { app } from '@/lib/app';

export const runtime = 'nodejs';
export const dynamic = 'force-dynamic';
// Serverless hosts stop a function after its limit; the drain stops early and the next cron run
// continues where it left off.
export const maxDuration = 60;

/** The cron drain (Authorization: Bearer OUTBOX_DRAIN_SECRET); Vercel Cron calls with GET. */
export const { GET, POST } = app.klaviyo.routes.drain;
