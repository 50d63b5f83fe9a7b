import { OUTBOX_MIGRATIONS } from '../outbox/schema';
import { STORE_MIGRATIONS } from '../store/schema';
import type { Migration } from './migrate';

/** Every migration of the app's database: the outbox (100s) and the demo store (200s). */
export const ALL_MIGRATIONS: readonly Migration[] = [...OUTBOX_MIGRATIONS, ...STORE_MIGRATIONS];
