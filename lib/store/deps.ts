import 'server-only';
import { getDatabase } from '../app/database';
import { env } from '../env';
import { consoleLog, type Log } from '../klaviyo-next/log';
import { getOutbox } from '../klaviyo-next/outbox';
import type { OutboxStore } from '../klaviyo-next/outbox/store';
import { scheduleDelivery } from '../klaviyo-next/outbox/trigger';
import type { Database } from '../klaviyo-next/sql/types';

export type { Log } from '../klaviyo-next/log';

/**
 * What the store's use-cases need from the world. They take it as an argument so tests run them on
 * a fresh SQLite or Postgres with their own clock; the server actions use `storeDeps()`.
 */
export interface StoreDeps {
  db: Database;
  outbox: OutboxStore;
  now: () => number;
  /** Public base URL of the storefront, for ProductURL/CheckoutURL in events. */
  storeUrl: string;
  /** The list checkout email consent joins; without one the account's default opt-in applies. */
  newsletterListId?: string;
  log: Log;
  /** Called after a transaction that enqueued messages commits; never awaited. */
  scheduleDelivery: () => void;
}

let override: StoreDeps | undefined;

/** The app's wiring: its database and outbox, the configured URLs and the outbox trigger. */
export async function storeDeps(): Promise<StoreDeps> {
  if (override) return override;
  const db = await getDatabase();
  const config = env();
  return {
    db,
    outbox: await getOutbox(),
    now: Date.now,
    storeUrl: config.storeUrl,
    newsletterListId: config.klaviyo.newsletterListId,
    log: consoleLog,
    scheduleDelivery,
  };
}

/** Points the server actions at other dependencies (a test database); `undefined` restores the app's. */
export function overrideStoreDeps(deps: StoreDeps | undefined): void {
  override = deps;
}
