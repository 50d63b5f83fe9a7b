/**
 * The browser side of Klaviyo's onsite API (docs/klaviyo-notes.md#methods): every method returns a Promise of
 * its documented return type. Only what this plugin calls is typed.
 */
export type Properties = Record<string, unknown>;

export interface KlaviyoOnsite {
  identify(properties: Properties): Promise<Properties>;
  track(event: string, properties?: Properties): Promise<boolean>;
  trackViewedItem(item: Properties): Promise<void>;
}

/** One pre-load queue entry: `[method, ...args, callback?]` (docs/klaviyo-notes.md#pre-load-queue). */
export type QueueEntry = [string, ...unknown[]];

/** The globals klaviyo.js and its pre-load snippet share (docs/klaviyo-notes.md#pre-load-queue). */
export interface KlaviyoWindow {
  klaviyo?: KlaviyoOnsite & { push(...entries: QueueEntry[]): void };
  _klOnsite?: QueueEntry[];
  _learnq?: unknown[];
  location: { search: string; hostname: string };
  document: { cookie: string };
  localStorage?: Pick<Storage, 'removeItem'>;
  sessionStorage?: Pick<Storage, 'removeItem'>;
}

/**
 * The shopper's answer about tracking. `pending` (not answered yet): nothing loads, calls wait in
 * memory. `denied`: calls are dropped and Klaviyo's cookies and storage cleared. `granted`: klaviyo.js
 * loads and the calls waiting are replayed in order (docs/klaviyo-notes.md#consent).
 */
export type Consent = 'pending' | 'granted' | 'denied';
