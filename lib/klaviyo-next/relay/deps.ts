import 'server-only';
import { getDatabase } from '../../app/database';
import { env } from '../../env';
import { CONSENT_DISCLOSURES } from '../../store/consent-disclosures';
import { demoStorefront } from '../../store/storefront';
import type { Storefront } from '../events/storefront';
import { type Limiter, RateLimiter } from '../http/rate-limit';
import { consoleLog, type Log } from '../log';
import { getOutbox } from '../outbox';
import type { OutboxStore } from '../outbox/store';
import { scheduleDelivery } from '../outbox/trigger';
import type { Database } from '../sql/types';

/** A consent text a form shows, by version; the relay records the server's copy, never the client's. */
export type Disclosures = Record<'email' | 'sms', { version: string; text: string }>;

/** What the relay's use-cases need; the route handlers get it from `relayDeps()`. */
export interface RelayDeps {
  db: Database;
  outbox: OutboxStore;
  now: () => number;
  log: Log;
  /** Called once enqueued messages are committed; never awaited. */
  scheduleDelivery: () => void;
  /** Shared by every instance on the database (lib/klaviyo-next/http/rate-limit.ts). */
  limiter: Limiter;
  /** How many proxies in front of the app append to X-Forwarded-For (TRUSTED_PROXY_HOPS). */
  trustedProxyHops: number;
  storefront: Storefront;
  /** The public API key (site id); exchange ids from other accounts are ignored. */
  companyId: string;
  newsletterListId?: string;
  disclosures: Disclosures;
}

let override: RelayDeps | undefined;
let wired: Promise<RelayDeps> | undefined;

/** The app's wiring: its database and outbox, the demo store, the limiter on the same database. */
export function relayDeps(): Promise<RelayDeps> {
  if (override) return Promise.resolve(override);
  wired ??= (async () => {
    const db = await getDatabase();
    const config = env();
    return {
      db,
      outbox: await getOutbox(),
      now: Date.now,
      log: consoleLog,
      scheduleDelivery,
      limiter: new RateLimiter(db),
      trustedProxyHops: config.trustedProxyHops,
      storefront: demoStorefront({ db, now: Date.now, storeUrl: config.storeUrl }),
      companyId: config.klaviyo.companyId,
      newsletterListId: config.klaviyo.newsletterListId,
      disclosures: CONSENT_DISCLOSURES,
    };
  })().catch((error: unknown) => {
    wired = undefined; // a database that was down at the first request may be up at the next
    throw error;
  });
  return wired;
}

/** Points the route handlers at other dependencies (a test database); `undefined` restores the app's. */
export function overrideRelayDeps(deps: RelayDeps | undefined): void {
  override = deps;
}
