import type { Account } from '../store/account.js';

/** Fills an account with a believable demo store. */
export function seedDemoAccount(_account: Account): void {}
