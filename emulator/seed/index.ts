import type { Account } from '../store/account.js';
import { seedAudience } from './audience.js';
import { seedCatalog } from './catalog.js';
import { seedMarketing } from './marketing.js';
import { seededRandom } from './random.js';

/**
 * Fills an account with a believable demo store: profiles with consent, lists and segments, a
 * catalog, campaigns across statuses and channels, the six classic flows with their actions, and
 * months of events attributed to them, so dashboards and reports have real numbers.
 */
export function seedDemoAccount(account: Account): void {
  const random = seededRandom(20260715);
  seedAudience(account, random);
  seedCatalog(account, random);
  seedMarketing(account, random);
}
