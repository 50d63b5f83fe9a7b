import 'server-only';
import type { KlaviyoClient } from '../api/client';
import { catalogDashboard } from '../dashboard/catalog';
import type { Log } from '../log';
import type { OutboxStore } from '../outbox/store';
import type { MerchantGuard } from '../ports';
import type { SqlExecutor } from '../sql/types';
import { catalogMessages } from './messages';
import { type ResyncOptions, type ResyncSummary, resync } from './resync';
import { type CatalogFailure, listFailures } from './state';
import { flushStockMarks, markStock, type StockMark } from './stock-marks';
import type { CatalogSource } from './types';

export type { CatalogChange } from './change';
export type { Progress, ResyncCounts, ResyncOptions, ResyncSummary } from './resync';
export type { CatalogFailure } from './state';
export type { StockMark } from './stock-marks';
export type * from './types';

export interface CatalogDeps {
  source: CatalogSource | undefined;
  client: KlaviyoClient;
  outbox: OutboxStore;
  drain(budgetMs: number): Promise<unknown>;
  now: () => number;
  log: Log;
  /** Who may read the admin's Catalog page (`dashboard()`). */
  guard?: MerchantGuard | undefined;
}

/**
 * The plugin's catalog sync (README "Catalog"): message builders the host enqueues in its own
 * transaction when a product or category changes, the full resync, and the failures for the admin.
 */
export function createCatalog(deps: CatalogDeps) {
  const messages = catalogMessages(deps.now);
  return {
    productChanged: messages.productChanged,
    productDeleted: messages.productDeleted,
    categoryChanged: messages.categoryChanged,
    categoryDeleted: messages.categoryDeleted,
    /**
     * Marks, in the host's transaction, the variants whose stock a sale, a cancellation or a return
     * changed (one small write, however many lines); each marked product's state is read from the
     * host's CatalogSource and sent shortly after, once for all the sales that touched it
     * (stock-marks.ts). A merchant's own edit of a product uses productChanged instead.
     */
    stockChanged: (tx: SqlExecutor, marks: readonly StockMark[]) => markStock(tx, marks, deps.now()),
    /** Turns waiting stock marks into catalog changes (delivery does this before each round). */
    flushStock: async (): Promise<number> =>
      deps.source ? flushStockMarks({ ...deps, source: deps.source, messages }) : 0,
    resync: (options?: ResyncOptions): Promise<ResyncSummary> => resync({ ...deps, messages }, options),
    failures: (): Promise<CatalogFailure[]> => listFailures(deps.outbox.db),
    /** The admin's Catalog page: the sync's state and its failures, for a merchant only. */
    dashboard: () => catalogDashboard(deps.outbox.db, deps.guard),
  };
}

export type KlaviyoCatalog = ReturnType<typeof createCatalog>;
