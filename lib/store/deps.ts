import 'server-only';
import type { Log } from '../klaviyo-next/log';
import type { OutboxStore } from '../klaviyo-next/outbox/store';
import type { SqlDatabase } from '../klaviyo-next/sql/types';
import type { AccountLinks } from './account-links';
import type { CatalogMessages } from './products/messages';

export type { Log } from '../klaviyo-next/log';

/**
 * What the store's use-cases need from the world. They take it as an argument so tests run them on
 * a fresh SQLite or Postgres with their own clock; the server actions use the app's (`app.store`, lib/app).
 */
export interface StoreDeps {
  db: SqlDatabase;
  outbox: OutboxStore;
  now: () => number;
  /** Public base URL of the storefront, for ProductURL/CheckoutURL in events. */
  storeUrl: string;
  /** The list checkout email consent joins; without one the account's default opt-in applies. */
  newsletterListId?: string;
  log: Log;
  /** Called after a transaction that enqueued messages commits; never awaited. */
  scheduleDelivery: () => void;
  /** The key that signs mailed account links, and the mailer that sends them. */
  links: AccountLinks;
  /**
   * The plugin's catalog sync (`klaviyo.catalog`): the messages a product change, a deletion or a
   * stock change enqueues. Without it the store keeps no Klaviyo catalogue in step.
   */
  catalog?: CatalogMessages;
}
