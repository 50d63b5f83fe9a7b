import type { Account } from '../store/account.js';
import { seedAudience } from './audience.js';
import { drawCatalog, writeCatalog } from './catalog.js';
import { seedMarketing } from './marketing.js';
import { seededRandom } from './random.js';

/**
 * Fills an account with a believable demo store: profiles with consent, lists and segments,
 * campaigns across statuses and channels, the six classic flows with their actions, and months of
 * events attributed to them, so dashboards and reports have real numbers. The catalog only when
 * `catalog` is set: a real account's catalog is what the store's catalog sync sent, so by default it
 * starts empty and the sync fills it.
 */
export function seedDemoAccount(account: Account, options: { catalog?: boolean } = {}): void {
  const random = seededRandom(20260715);
  seedAudience(account, random);
  const catalog = drawCatalog(random);
  if (options.catalog) writeCatalog(account, catalog);
  seedMarketing(account, random);
}
