import 'server-only';
import type { Storefront } from '../events/storefront';
import type { Limiter, RateLimiter } from '../http/rate-limit';
import type { Log } from '../log';
import type { OutboxStore } from '../outbox/store';
import type { ConsentTexts } from '../ports';
import type { SqlDatabase } from '../sql/types';
import type { RelayWrites } from './writes';

/** What the relay's use-cases need; `createKlaviyoNext` builds it once for the route handlers. */
export interface RelayDeps {
  db: SqlDatabase;
  outbox: OutboxStore;
  now: () => number;
  log: Log;
  /** Called once enqueued messages are committed; never awaited. */
  scheduleDelivery: () => void;
  /** Shared by every instance on the database (http/rate-limit.ts). */
  limiter: RateLimiter;
  /** How many proxies in front of the app append to X-Forwarded-For (TRUSTED_PROXY_HOPS). */
  trustedProxyHops: number;
  storefront: Storefront;
  /** The public API key (site id); exchange ids from other accounts are ignored. */
  companyId: string;
  newsletterListId?: string;
  disclosures: ConsentTexts;
  /** Where a sign-up form may say it was (Klaviyo's `custom_source`); the first is the default. */
  subscribeSources: readonly [string, ...string[]];
}

/** What the use cases run with: the host's deps, with the writes and limits concurrent requests share (routes.ts). */
export interface RelayContext extends Omit<RelayDeps, 'limiter'> {
  limiter: Limiter;
  writes: RelayWrites;
}
