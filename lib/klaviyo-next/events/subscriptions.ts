import type { TrackEvent } from './event';
import type { ProfileIdentity } from './identity';
import { SUBSCRIPTION_METRICS as METRICS } from './metrics';
import { toMajor } from './money';
import { uniqueId } from './unique-id';

/**
 * Subscribe-and-save: a shopper's standing order of one product, charged every period. The guide this
 * plugin follows syncs subscription status as profile properties (status, plan) and a
 * `Subscription <status>` event valued at the plan's recurring revenue; these builders do that for
 * any subscription platform, which calls them with a snapshot of its own record at the moment of the
 * change. Money is in minor units (cents) here; Klaviyo receives major units.
 *
 * The value convention, once for all five events: `value` is the subscription's recurring revenue
 * per period (price per period times quantity, what one charge takes), always positive, in
 * `value_currency`. It is a rate, not a payment, except on Subscription Renewed, which is one charge
 * and carries exactly what was charged: sum Subscription Renewed for revenue collected. Subscription
 * Cancelled carries the recurring revenue the cancellation stops (positive: the revenue lost per
 * period), not a negative amount: unlike Cancelled Order it takes back no money anyone paid (every
 * charge made stays earned), so a negative value would wrongly net real revenue out of reports.
 */
export type SubscriptionStatus = 'active' | 'paused' | 'cancelled';

export interface SubscriptionSnapshot {
  subscriptionId: string;
  /** The plan the shopper chose (e.g. `coffee-monthly`), and its name as the shopper saw it. */
  planId: string;
  planName: string;
  status: SubscriptionStatus;
  productId: string;
  variantId: string;
  sku?: string;
  productName: string;
  quantity: number;
  /** What one charge takes: the per-period price of the whole quantity, after the plan's discount. */
  recurringCents: number;
  currency: string;
  /** Charged every `intervalCount` `interval`s (e.g. 1 month, 2 weeks). */
  interval: 'day' | 'week' | 'month' | 'year';
  intervalCount: number;
  /** ISO 8601. */
  startedAt: string;
  /** ISO 8601; absent while paused or cancelled (no charge is due). */
  nextChargeAt?: string;
  /** The plan's saving on the one-off price, in percent, for messages ("save 10%"). */
  discountPercent?: number;
}

/** One charge of a subscription: its own fact, with the platform's id for it. */
export interface SubscriptionCharge {
  chargeId: string;
  chargedAt: string;
  amountCents: number;
  /** 1 for the first charge; counts the charges made so far. */
  chargeNumber?: number;
}

/**
 * A pause or a resume. A subscription can be paused and resumed many times, so each change needs an
 * id of its own (the platform's change or revision number), or a second pause would share the
 * first's unique_id and Klaviyo would drop it.
 */
export interface SubscriptionChange {
  changeId: string | number;
  at: string;
  reason?: string;
}

const base = (sub: SubscriptionSnapshot) => ({
  SubscriptionId: sub.subscriptionId,
  PlanId: sub.planId,
  PlanName: sub.planName,
  Status: sub.status,
  ProductID: sub.productId,
  VariantID: sub.variantId,
  ...(sub.sku ? { SKU: sub.sku } : {}),
  ProductName: sub.productName,
  Quantity: sub.quantity,
  Interval: sub.interval,
  IntervalCount: sub.intervalCount,
  RecurringRevenue: toMajor(sub.recurringCents),
  ...(sub.discountPercent !== undefined ? { DiscountPercent: sub.discountPercent } : {}),
  StartedAt: sub.startedAt,
  ...(sub.nextChargeAt ? { NextChargeDate: sub.nextChargeAt } : {}),
});

const recurring = (sub: SubscriptionSnapshot) => ({
  value: toMajor(sub.recurringCents),
  valueCurrency: sub.currency,
});

/** Subscription Started: once per subscription, at its start, valued at its recurring revenue. */
export function subscriptionStarted(sub: SubscriptionSnapshot, profile: ProfileIdentity): TrackEvent {
  return {
    metric: METRICS.subscriptionStarted,
    uniqueId: uniqueId('subscription-started', sub.subscriptionId),
    time: sub.startedAt,
    profile,
    ...recurring(sub),
    properties: base(sub),
  };
}

/** Subscription Renewed: one per charge, valued at what the charge took; a retried charge keeps its id. */
export function subscriptionRenewed(
  sub: SubscriptionSnapshot,
  charge: SubscriptionCharge,
  profile: ProfileIdentity,
): TrackEvent {
  return {
    metric: METRICS.subscriptionRenewed,
    uniqueId: uniqueId('subscription-renewed', sub.subscriptionId, charge.chargeId),
    time: charge.chargedAt,
    profile,
    value: toMajor(charge.amountCents),
    valueCurrency: sub.currency,
    properties: {
      ...base(sub),
      ChargeId: charge.chargeId,
      ...(charge.chargeNumber !== undefined ? { ChargeNumber: charge.chargeNumber } : {}),
    },
  };
}

/** Subscription Paused: one per pause, valued at the recurring revenue the pause holds back. */
export function subscriptionPaused(
  sub: SubscriptionSnapshot,
  change: SubscriptionChange,
  profile: ProfileIdentity,
): TrackEvent {
  return {
    metric: METRICS.subscriptionPaused,
    uniqueId: uniqueId('subscription-paused', sub.subscriptionId, change.changeId),
    time: change.at,
    profile,
    ...recurring(sub),
    properties: { ...base(sub), ...(change.reason ? { Reason: change.reason } : {}) },
  };
}

/** Subscription Resumed: one per resume, valued at the recurring revenue that starts again. */
export function subscriptionResumed(
  sub: SubscriptionSnapshot,
  change: SubscriptionChange,
  profile: ProfileIdentity,
): TrackEvent {
  return {
    metric: METRICS.subscriptionResumed,
    uniqueId: uniqueId('subscription-resumed', sub.subscriptionId, change.changeId),
    time: change.at,
    profile,
    ...recurring(sub),
    properties: { ...base(sub), ...(change.reason ? { Reason: change.reason } : {}) },
  };
}

/**
 * Subscription Cancelled: once per subscription (a cancelled subscription stays cancelled), valued
 * positively at the recurring revenue it stops; see the value convention at the top of this file.
 */
export function subscriptionCancelled(
  sub: SubscriptionSnapshot,
  cancellation: { at: string; reason?: string },
  profile: ProfileIdentity,
): TrackEvent {
  return {
    metric: METRICS.subscriptionCancelled,
    uniqueId: uniqueId('subscription-cancelled', sub.subscriptionId),
    time: cancellation.at,
    profile,
    ...recurring(sub),
    properties: { ...base(sub), ...(cancellation.reason ? { Reason: cancellation.reason } : {}) },
  };
}

/**
 * The profile properties a subscription change sets (custom properties; flows and segments filter on
 * them): status, plan, recurring revenue and next charge date. `Subscription Next Charge Date` is
 * null while no charge is due (paused, cancelled), so a "charge coming up" flow never fires for a
 * subscription that will not be charged. A shopper with several subscriptions carries the one
 * changed last; a platform that needs all of them keys its own properties.
 */
export function subscriptionProfileProperties(sub: SubscriptionSnapshot): Record<string, unknown> {
  return {
    'Subscription Status': sub.status,
    'Subscription Id': sub.subscriptionId,
    'Subscription Plan': sub.planName,
    'Subscription Plan Id': sub.planId,
    'Subscription Recurring Revenue': toMajor(sub.recurringCents),
    'Subscription Currency': sub.currency,
    'Subscription Next Charge Date': sub.status === 'active' && sub.nextChargeAt ? sub.nextChargeAt : null,
  };
}
