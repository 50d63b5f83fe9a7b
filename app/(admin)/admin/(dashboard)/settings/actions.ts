'use server';

import { z } from 'zod';
import { adminDeps } from '@/lib/admin/deps';
import { recheckSettings } from '@/lib/admin/settings';
import { merchantAction } from '@/lib/auth/action';

/** "Check again": key, scopes and webhooks, each at most once a minute. */
export const recheckConnection = merchantAction(z.object({}), async () => recheckSettings(await adminDeps()));
