/**
 * Klaviyo's standard e-commerce metric names (developers.klaviyo.com "Guide to integrating a
 * platform without a pre-built Klaviyo integration"). Flows and reports key on these exact names.
 * Viewed Collection and Submitted Search are the browsing metrics Klaviyo's own storefront
 * integrations send beside Viewed Product (docs/klaviyo-notes.md#ecommerce-events).
 */
export const METRICS = {
  viewedProduct: 'Viewed Product',
  viewedCollection: 'Viewed Collection',
  submittedSearch: 'Submitted Search',
  addedToCart: 'Added to Cart',
  startedCheckout: 'Started Checkout',
  placedOrder: 'Placed Order',
  orderedProduct: 'Ordered Product',
  fulfilledOrder: 'Fulfilled Order',
  cancelledOrder: 'Cancelled Order',
  refundedOrder: 'Refunded Order',
} as const;

/**
 * The shipment metrics Klaviyo's Shopify integration records beside the standard ones
 * (help.klaviyo.com 115005080447, "Shopify data reference"). Apart from METRICS, which the browser
 * bundle carries: only the server sends these.
 */
export const FULFILMENT_METRICS = {
  fulfilledPartialOrder: 'Fulfilled Partial Order',
  confirmedShipment: 'Confirmed Shipment',
  deliveredShipment: 'Delivered Shipment',
} as const;

/**
 * Subscribe-and-save (events/subscriptions.ts): the guide's `Subscription <status>` events, one metric
 * per change so a flow can start on each. Server only, like FULFILMENT_METRICS.
 */
export const SUBSCRIPTION_METRICS = {
  subscriptionStarted: 'Subscription Started',
  subscriptionRenewed: 'Subscription Renewed',
  subscriptionPaused: 'Subscription Paused',
  subscriptionResumed: 'Subscription Resumed',
  subscriptionCancelled: 'Subscription Cancelled',
} as const;

export type MetricName =
  | (typeof METRICS)[keyof typeof METRICS]
  | (typeof FULFILMENT_METRICS)[keyof typeof FULFILMENT_METRICS]
  | (typeof SUBSCRIPTION_METRICS)[keyof typeof SUBSCRIPTION_METRICS];

/** The metrics a browser may send through the server relay; order lifecycle metrics come only from the server. */
export const BROWSER_METRICS: readonly MetricName[] = [
  METRICS.viewedProduct,
  METRICS.addedToCart,
  METRICS.startedCheckout,
  METRICS.viewedCollection,
  METRICS.submittedSearch,
];
