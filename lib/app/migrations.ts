import { ADMIN_MIGRATIONS } from '../klaviyo-next/dashboard/cache/schema';
import { OUTBOX_MIGRATIONS } from '../klaviyo-next/outbox/schema';
import type { Migration } from '../klaviyo-next/sql/migrate';
import { STORE_MIGRATIONS } from '../store/schema';

/**
 * Every migration of the app's database: the outbox (100s), the demo store (200s) and the admin's
 * cache of rate-limited Klaviyo reads (300s).
 */
export const ALL_MIGRATIONS: readonly Migration[] = [
  ...OUTBOX_MIGRATIONS,
  ...STORE_MIGRATIONS,
  ...ADMIN_MIGRATIONS,
];
