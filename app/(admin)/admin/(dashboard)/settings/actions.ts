'use server';

import { z } from 'zod';
import { merchantAction } from '@/lib/auth/action';
import { adminDeps } from '@/lib/klaviyo-next/dashboard/deps';
import { recheckSettings } from '@/lib/klaviyo-next/dashboard/settings';

/** "Check again": key, scopes and webhooks, each at most once a minute. */
export const recheckConnection = merchantAction(z.object({}), async () => recheckSettings(await adminDeps()));
