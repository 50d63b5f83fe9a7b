/**
 * What the admin API and server actions answer, shared by server and browser code: plain types and
 * constants only (no `server-only`, no I/O).
 */

// The answer and error shapes every action and route shares (the store's too), re-exported here
// because the admin's views read their contract from this file.
export type { ActionErrorCode, ActionResult } from '../http/action-result';
/** The JSON error body of an admin route handler: the same as every route's. */
export type { ErrorBody as ApiError } from '../http/error-response';

/** One page of a cursor-paginated collection; `nextCursor` is null on the last page. */
export interface Page<T> {
  items: T[];
  nextCursor: string | null;
}

/**
 * A value from the server's cache of slow or rate-limited Klaviyo reads. `value` is null until the
 * first fetch succeeds; `refreshing` says a fetch is under way, so the page can look again soon.
 */
export interface Cached<T> {
  value: T | null;
  fetchedAt: number | null;
  refreshing: boolean;
  /** The last failure, kept beside the last good value. */
  error: string | null;
  /** When the next refresh may spend the budget (undefined: it may now). */
  nextRefreshAt?: number;
}

/** Reporting timeframes the dashboard offers (a subset of Klaviyo's timeframe keys). */
export const PERIODS = ['last_7_days', 'last_30_days', 'last_90_days', 'last_365_days'] as const;
export type Period = (typeof PERIODS)[number];
/** One default everywhere, so the overview, campaigns and flows share one cached report per kind. */
export const DEFAULT_PERIOD: Period = 'last_90_days';
export const PERIOD_LABELS: Record<Period, string> = {
  last_7_days: 'Last 7 days',
  last_30_days: 'Last 30 days',
  last_90_days: 'Last 90 days',
  last_365_days: 'Last 365 days',
};

export interface PerformanceRow {
  id: string;
  name: string;
  recipients: number | null;
  openRate: number | null;
  clickRate: number | null;
  conversions: number | null;
  revenue: number | null;
}

/** A values report (campaigns or flows) over one period, with the names of what it reports on. */
export interface PerformanceReport {
  period: Period;
  currency: string;
  rows: PerformanceRow[];
  totalRevenue: number;
}

export type DeliveryState = 'pending' | 'retrying' | 'delivered' | 'dead';
export const DELIVERY_STATES: readonly DeliveryState[] = ['pending', 'retrying', 'delivered', 'dead'];

export interface OutboxHealth {
  counts: Record<DeliveryState, number>;
  oldestPendingAt: number | null;
  lastDeliveredAt: number | null;
}

export interface Overview {
  period: Period;
  campaigns: Cached<PerformanceReport>;
  flows: Cached<PerformanceReport>;
  /** Outbox messages delivered per hour over the last 24 hours, oldest first. */
  deliveredPerHour: { hour: number; count: number }[];
  outbox: OutboxHealth;
}

export interface ListSummary {
  id: string;
  name: string;
  created: string | null;
  updated: string | null;
  optInProcess: string | null;
  profileCount: Cached<number>;
}

export interface SegmentSummary {
  id: string;
  name: string;
  created: string | null;
  updated: string | null;
  isActive: boolean | null;
  isStarred: boolean | null;
  profileCount: Cached<number>;
}

export interface Member {
  id: string;
  email: string | null;
  phoneNumber: string | null;
  name: string | null;
  joinedAt: string | null;
}

export const CAMPAIGN_CHANNELS = ['email', 'sms', 'mobile_push'] as const;
export type CampaignChannelName = (typeof CAMPAIGN_CHANNELS)[number];
export const CAMPAIGN_STATUS_FILTERS = ['Draft', 'Scheduled', 'Sending', 'Sent', 'Cancelled'] as const;
export type CampaignStatusFilter = (typeof CAMPAIGN_STATUS_FILTERS)[number];

export interface CampaignSummary {
  id: string;
  name: string;
  channel: CampaignChannelName;
  status: string;
  archived: boolean;
  sendTime: string | null;
  createdAt: string;
}

export interface CampaignsPage extends Page<CampaignSummary> {
  report: Cached<PerformanceReport>;
}

export interface FlowSummary {
  id: string;
  name: string;
  status: string | null;
  archived: boolean;
  triggerType: string | null;
  created: string | null;
  updated: string | null;
  /** Action types in order (send-email, time-delay...); null until fetched. */
  actions: Cached<{ type: string; status: string | null }[]>;
}

export interface FlowsPage extends Page<FlowSummary> {
  report: Cached<PerformanceReport>;
}

export interface DeliveryItem {
  id: number;
  /** event, profile, consent, back-in-stock... as the outbox names them. */
  kind: string;
  key: string;
  state: DeliveryState;
  attempts: number;
  summary: string;
  payload: unknown;
  error: { status: number; code: string; detail: string; pointer?: string } | null;
  createdAt: number;
  updatedAt: number;
  availableAt: number;
  deliveredAt: number | null;
}

export interface DeliveryPage extends Page<DeliveryItem> {
  counts: Record<DeliveryState, number>;
}

/** What a replay did: how many dead letters went back in the queue, and which stayed dead and why. */
export interface ReplayAnswer {
  replayed: number;
  skipped: { id: number; reason: 'superseded'; supersededBy: number; detail: string }[];
}

export interface ScopeCheck {
  scope: string;
  status: 'granted' | 'missing' | 'unknown';
  /** How it was found out (the operation probed). */
  via: string;
}

export interface KeyStatus {
  status: 'valid' | 'invalid' | 'missing_scope' | 'unreachable';
  detail: string | null;
  account: { id: string; name: string | null; timezone: string | null; currency: string | null } | null;
}

export interface WebhookInfo {
  id: string;
  name: string;
  endpointUrl: string;
  enabled: boolean;
  topics: string[];
  ours: boolean;
}

/** The store's webhook receiver as admin Settings shows it (dashboard/settings-webhook.ts). */
export interface WebhookReceiverStatus {
  /** KLAVIYO_WEBHOOK_SECRET is set, so the route verifies deliveries (unset: it answers 404). */
  secretSet: boolean;
  /** Where Klaviyo should deliver; null without the store URL. */
  url: string | null;
  /** The topics the store's webhook should have. */
  topics: string[];
  /** The store's webhook at Klaviyo, when registered. */
  registeredId: string | null;
  enabled: boolean;
  missingTopics: string[];
  /** Registered, enabled, every topic, and the secret set: Klaviyo delivers and the route accepts. */
  live: boolean;
  /** When the last delivery was stored (epoch ms), from the inbox. */
  lastReceivedAt: number | null;
  /** Consent changes waiting for the store (a failing store shows here), and those given up on. */
  pending: number;
  dead: number;
}

export interface Settings {
  mode: 'live' | 'emulator';
  apiUrl: string;
  revision: string;
  companyId: string;
  key: Cached<KeyStatus>;
  scopes: Cached<ScopeCheck[]>;
  webhooks: Cached<WebhookInfo[]>;
  /** Null when the host did not give the plugin its public URL (`siteUrl`). */
  expectedWebhookUrl: string | null;
  /** The webhook receiver: registered, live, last delivery. */
  receiver: WebhookReceiverStatus;
}

/** The Catalog page (catalog-contracts.ts). */
export type { CatalogFailure, CatalogObjectKind, CatalogOverview } from './catalog-contracts';
