import { app } from '@/lib/app';

export const runtime = 'nodejs';
export const dynamic = 'force-dynamic';

/** One page of a list's members. (merchant only) */
export const { GET } = app.klaviyo.routes.dashboard.listMembers;
