import { app } from '@/lib/app';

export const runtime = 'nodejs';
export const dynamic = 'force-dynamic';

/** Liveness: 200 while the server answers; it touches nothing (not even the database). */
export const { GET } = app.klaviyo.routes.health;
