import 'server-only';

// Adapters are imported from their own modules (`./sql/postgres`, `./sql/drizzle`, `./sql/sqlite`), so a
// store on one driver never loads the others.
export { default as sql, empty, join, raw } from 'sql-template-tag';
// The backfill's port (HistorySource) and what its records carry (README "Backfill").
export type {
  BackfillOptions,
  BackfillProgress,
  BackfillSummary,
  DryRunSummary,
  HistoricalConsent,
  HistoricalCustomer,
  HistoricalFulfillment,
  HistoricalOrder,
  HistoryPage,
  HistoryQuery,
  HistorySource,
  HistoryStream,
} from './backfill';
export type {
  CatalogCategory,
  CatalogFailure,
  CatalogProduct,
  CatalogSource,
  CatalogVariant,
  KlaviyoCatalog,
  Progress as CatalogProgress,
  ResyncSummary,
} from './catalog';
export { CatalogInputError } from './catalog/validate';
export { ConfigError, type KlaviyoNextConfig } from './config';
/**
 * The plugin's server entry point: `createKlaviyoNext(options)` builds everything a host mounts (see
 * README.md in this folder); the ports in ports.ts say what the host supplies. Browser code imports
 * `./browser` instead.
 */
export { createKlaviyoNext, type KlaviyoNext, type KlaviyoNextOptions } from './create';
export type { DashboardActionInput, DashboardActions } from './dashboard/actions';
export {
  type DeletionIdentifier,
  type EraseOptions,
  type ErasureSubject,
  eraseFromOutbox,
  type OutboxErasure,
  type ProfileDeletionRequest,
  withSecureDelete,
} from './erasure';
// What a Storefront's collection() and search() answer (the relay's Viewed Collection, Submitted Search).
export type { CollectionSnapshot, SearchSnapshot } from './events/browse';
// The consent the store sends to Klaviyo. `ConsentChange` (below) is the one Klaviyo reports back by webhook.
export type { ConsentChange as OutgoingConsent } from './events/consent';
export { accountExchangeId, buildIdentity, type ProfileIdentity, toE164 } from './events/identity';
/**
 * Subscribe-and-save: builders a merchant's subscription platform calls with a snapshot of its
 * subscription at each change (README.md, "Subscriptions"); `subscriptionMessages` gives the event and
 * profile write as outbox messages to enqueue in the platform's own transaction.
 */
export {
  type SubscriptionChange,
  type SubscriptionCharge,
  type SubscriptionSnapshot,
  type SubscriptionStatus,
  subscriptionCancelled,
  subscriptionPaused,
  subscriptionProfileProperties,
  subscriptionRenewed,
  subscriptionResumed,
  subscriptionStarted,
} from './events/subscriptions';
export type * from './events/types';
export { securityHeaders } from './onsite/csp';
export {
  type AlertHook,
  type KlaviyoAlert,
  METER_NAME,
  METRIC,
  type ProbeServer,
  type Readiness,
} from './ops';
export { subscriptionMessages } from './outbox/subscription-messages';
export type { OutboxMessage, ProfileUpdate } from './outbox/types';
export type { ConsentText, ConsentTexts, GuardDecision, Log, MerchantGuard, Storefront } from './ports';
export { TransactionMisuseError } from './sql/scope';
export type { Dialect, Row, SqlDatabase, SqlExecutor } from './sql/types';
export type { ConsentChange, ConsentSink } from './webhooks/types';
