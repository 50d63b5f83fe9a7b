import type { ConsentChange } from '../events/consent';
import type { ProfileIdentity } from '../events/identity';
import type { FulfillmentSnapshot, OrderSnapshot, RefundSnapshot, ShipmentUpdate } from '../events/types';
import type { SqlExecutor } from '../sql/types';

/** The three kinds of history, sent in this order: profiles first, so events land on named profiles. */
export const HISTORY_STREAMS = ['customers', 'orders', 'consent'] as const;
export type HistoryStream = (typeof HISTORY_STREAMS)[number];

/** One page of history and where the next starts. */
export interface HistoryPage<T> {
  items: T[];
  /**
   * The cursor of the next page, absent on the last. Opaque to the plugin, but stable: the same cursor
   * always starts at the same record (keyset paging on an immutable order, e.g. creation time and id),
   * so a run resumed from a stored cursor neither skips nor repeats a record.
   */
  next?: string;
}

export interface HistoryQuery {
  /** Records from this time on (a customer's creation, an order's placement, a consent's time). */
  since: Date;
  /** The cursor a previous page returned; absent for the first page. */
  after?: string;
  /** At most this many records. */
  limit: number;
  /**
   * Read the page through this: the transaction that enqueues it (a dry run's: the database). Someone
   * erased while a backfill runs must either be left out of the page or be erased after it commits
   * (erasure then removes the page's messages from the outbox): lock what the page names against
   * erasure (Postgres: `FOR SHARE` on the customer rows; SQLite's write transaction already does).
   */
  db: SqlExecutor;
}

/** A past customer: a profile write (names, location, custom properties). */
export interface HistoricalCustomer {
  /** The store's id for the customer; one profile write per id, however often the backfill runs. */
  id: string;
  profile: ProfileIdentity;
  properties?: Record<string, unknown>;
  location?: Record<string, string | undefined>;
}

/** A shipment of a past order and what the carrier said of it afterwards. */
export interface HistoricalFulfillment extends FulfillmentSnapshot {
  updates?: ShipmentUpdate[];
}

/**
 * A past order as it was placed (the same snapshot the live Placed Order was built from) and every
 * later fact about it, each with its own time.
 */
export interface HistoricalOrder {
  order: OrderSnapshot;
  /** Who the order's events name (the same identity the live events used). */
  profile: ProfileIdentity;
  fulfillments: HistoricalFulfillment[];
  cancellation?: { at: string; reason?: string };
  refunds: RefundSnapshot[];
}

/** Consent as it was given (or withdrawn), with the time it was. */
export type HistoricalConsent = Omit<ConsentChange, 'id' | 'historicalImport'>;

/**
 * The host's history, for `klaviyo.backfill` (the plugin's `history` port). Every method pages by a
 * stable cursor (HistoryPage.next). A store leaves out what must not be sent: erased customers and
 * their orders, test orders.
 */
export interface HistorySource {
  /** How many records each stream holds since `since`, for the progress bar. */
  count(since: Date): Promise<Record<HistoryStream, number>>;
  customers(query: HistoryQuery): Promise<HistoryPage<HistoricalCustomer>>;
  orders(query: HistoryQuery): Promise<HistoryPage<HistoricalOrder>>;
  consent(query: HistoryQuery): Promise<HistoryPage<HistoricalConsent>>;
}
