/**
 * What browser code may import from the plugin: the pure event builders (the same ones the server
 * uses, so both sides derive one unique_id), consent and snapshot types, the klaviyo.js gate, and the
 * dashboard's browser-safe contracts. Nothing here reads a secret or touches the database; the
 * components in `components/klaviyo` and `components/klaviyo-admin` import only this module.
 */

export * from './dashboard/contracts';
export * from './dashboard/format';
export { adminKeys } from './dashboard/query-keys';
export {
  addedToCart,
  type CollectionSnapshot,
  cartTotalCents,
  itemOf,
  type SearchSnapshot,
  startedCheckout,
  submittedSearch,
  viewedCollection,
  viewedProduct,
} from './events/browse';
export type { ConsentChannel, ConsentStatus } from './events/consent';
export type { TrackEvent } from './events/event';
export { BROWSER_METRICS, METRICS, type MetricName } from './events/metrics';
export type * from './events/types';
export { uniqueId } from './events/unique-id';
export type { ActionError, ActionErrorCode, ActionResult, FormState } from './http/action-result';
export type { FieldError } from './http/field-error';
export { OnsiteClient, type RelayBody } from './onsite/client';
export { newViewId, onsiteProperties, viewedItem } from './onsite/events';
export { exchangeTokenFromSearch } from './onsite/exchange';
export { klaviyoScriptUrl } from './onsite/script-url';
export type { Consent, KlaviyoOnsite, KlaviyoWindow, Properties } from './onsite/types';
export { allowTracking, withdrawTracking } from './onsite/withdraw';
