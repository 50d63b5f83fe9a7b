import type { Account } from '../store/account.js';
import type { Random } from './random.js';

export function seedCatalog(_account: Account, _random: Random): void {}
