import 'server-only';
import { merchantGuard } from '../auth';
import { env, pluginSettingsSource } from '../env';
import { createKlaviyoNext } from '../klaviyo-next';
import { consoleLog } from '../klaviyo-next/log';
import { linksFromSettings } from '../store/account-links';
import { demoCatalogSource } from '../store/catalog-source';
import { CONSENT_DISCLOSURES } from '../store/consent-disclosures';
import { storeConsentSink } from '../store/customer-consent-sink';
import type { StoreDeps } from '../store/deps';
import { demoStorefront } from '../store/storefront';
import { SUBSCRIBE_SOURCES } from '../store/subscribe-sources';
import { openAppDatabase } from './database';
import { lazyDatabase } from './lazy-database';

/**
 * The demo app's one composition root: its settings, its database (the store's tables and the
 * plugin's together, so an order and its events commit in one transaction), the one
 * `createKlaviyoNext` call and the store's dependencies. Route files and server actions import `app`.
 */
function createApp() {
  const settings = env();
  const db = lazyDatabase(settings.database.databaseUrl ? 'postgres' : 'sqlite', () =>
    openAppDatabase(settings.database),
  );
  const now = Date.now;
  const klaviyo = createKlaviyoNext({
    env: pluginSettingsSource(),
    sql: db,
    storefront: demoStorefront({ db, now, storeUrl: settings.storeUrl }),
    consentTexts: CONSENT_DISCLOSURES,
    subscribeSources: SUBSCRIBE_SOURCES,
    merchantGuard: merchantGuard(),
    siteUrl: settings.storeUrl,
    // What a full catalogue resync reads (klaviyo.catalog.resync(), npm run catalog:sync).
    catalog: demoCatalogSource({ db, storeUrl: settings.storeUrl }),
    log: consoleLog,
    // No `now`: the plugin then stamps leases, available_at and the pause with the database's clock
    // (storeClock), so app instances and workers on hosts whose clocks differ agree on them.
    // The demo has no pager: an alert is a log line an operator's log search can raise one on.
    onAlert: (alert) => consoleLog('klaviyo.alert', { ...alert }),
    // Consent changes Klaviyo reports (unsubscribes, SMS STOP, spam complaints, resubscribes) land on
    // the store's customer record (lib/store/customer-consent-sink.ts), the newer change winning.
    webhooks: {
      ...settings.webhooks,
      onConsentChange: storeConsentSink({ db, now, log: consoleLog }),
    },
  });
  const store: StoreDeps = {
    db,
    outbox: klaviyo.outbox,
    now,
    storeUrl: settings.storeUrl,
    newsletterListId: klaviyo.config.newsletterListId,
    log: consoleLog,
    scheduleDelivery: klaviyo.deliverSoon,
    links: linksFromSettings(settings),
    // Every catalogue change (the admin's Products page, checkout, cancellations) enqueues these.
    catalog: klaviyo.catalog,
  };
  return { db, klaviyo, store };
}

export type App = ReturnType<typeof createApp>;

let built: App | undefined;
const wired = (): App => {
  built ??= createApp();
  return built;
};

/**
 * The app, wired on first use rather than when a module imports it: settings are read when the
 * first request (or route module) needs them, never earlier.
 */
export const app: App = {
  get db() {
    return wired().db;
  },
  get klaviyo() {
    return wired().klaviyo;
  },
  get store() {
    return wired().store;
  },
};
