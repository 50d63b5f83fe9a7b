import 'server-only';
import type { MeterProvider } from '@opentelemetry/api';
import { createKlaviyo, type Klaviyo } from './api';
import { RateGovernor } from './api/governor';
import {
  type BackfillOptions,
  dryRunBackfill,
  type HistorySource,
  historyBacklog,
  runBackfill,
} from './backfill';
import { createCatalog } from './catalog';
import type { CatalogSource } from './catalog/types';
import { type KlaviyoNextConfig, parseKlaviyoConfig } from './config';
import { dashboardActions } from './dashboard/actions';
import type { AdminDeps } from './dashboard/deps';
import { deferTask } from './dashboard/deps';
import { dashboardRoutes } from './dashboard/routes';
import { type ErasureSubject, eraseFromOutbox } from './erasure';
import { RateLimiter } from './http/rate-limit';
import { consoleLog, type Log } from './log';
import { type AlertHook, createOps } from './ops';
import { drainRoute } from './outbox/drain-request';
import { consentChanged, orderMessages, profileUpdated } from './outbox/lifecycle';
import { PostgresRateBudgetStore } from './outbox/rate-budget-postgres';
import { createDelivery } from './outbox/runtime';
import { OutboxStore } from './outbox/store';
import { subscriptionMessages } from './outbox/subscription-messages';
import type { OutboxMessage } from './outbox/types';
import type { ConsentTexts, MerchantGuard, Storefront } from './ports';
import type { RelayDeps } from './relay/deps';
import { relayRoutes, unconfiguredRelayRoutes } from './relay/routes';
import { type Dialect, migrate, migrationSql, PLUGIN_MIGRATIONS, PLUGIN_MIGRATIONS_TABLE } from './sql';
import type { SqlDatabase, SqlExecutor } from './sql/types';
import { createWebhooks, type WebhookOptions } from './webhooks';

export interface KlaviyoNextOptions {
  /**
   * Where the plugin reads its own variables (KLAVIYO_*, OUTBOX_DRAIN_SECRET, TRUSTED_PROXY_HOPS),
   * usually `process.env`; they are validated here and a bad one throws a ConfigError naming it.
   */
  env: Readonly<Record<string, string | undefined>>;
  /** The host's database, through an adapter of `./sql` (node-postgres, better-sqlite3, Drizzle). */
  sql: SqlDatabase;
  /** What the browser relay rebuilds events from; a process without one (a worker) has no relay routes. */
  storefront?: Storefront;
  /** The texts beside the sign-up form's boxes; needed with `storefront`. */
  consentTexts?: ConsentTexts;
  /** Where a sign-up form may say it was (Klaviyo's `custom_source`); the first is the default. */
  subscribeSources?: readonly [string, ...string[]];
  /** Who may use the dashboard; without one its routes and actions refuse everyone. */
  merchantGuard?: MerchantGuard;
  /** The store's public URL, for the webhook address the dashboard's settings page checks. */
  siteUrl?: string;
  log?: Log;
  now?: () => number;
  /** A Klaviyo client built elsewhere (tests, benchmarks); by default one from the settings. */
  klaviyo?: Klaviyo;
  /**
   * How the plugin asks for delivery once messages are committed. By default a drain after the
   * response (Next.js `after()`); a host with its own job queue can start a job instead, and the
   * worker or cron drain delivers what no trigger did.
   */
  deliverSoon?: () => void;
  /**
   * Told when delivery needs a person (ops/alerts.ts `KlaviyoAlert`): messages dead-lettered, Klaviyo
   * throttling (a pause), rounds failing in a row (a refused key, an outage, the database), the oldest
   * waiting message past OUTBOX_ALERT_PENDING_MINUTES, and each recovery. Every process with an
   * instance tells its own; the hook's failures are logged and never reach delivery.
   */
  onAlert?: AlertHook;
  /**
   * Where the metrics go (ops/metrics.ts); by default the global one from `@opentelemetry/api`, a no-op
   * until the host registers an SDK (e.g. `@vercel/otel` in instrumentation.ts).
   */
  meterProvider?: MeterProvider;
  /**
   * The webhook receiver (`routes.webhooks`, mounted at `/api/klaviyo/webhooks`): the webhook's secret
   * (KLAVIYO_WEBHOOK_SECRET), the one before a rotation, and the host's ConsentSink that applies each
   * consent change Klaviyo reports. Without a secret the route answers 404.
   */
  webhooks?: WebhookOptions;
  /**
   * The host's catalogue, read by a full resync (`catalog.resync()`, `npm run catalog:sync`) and, one
   * product at a time, for the stock changes `catalog.stockChanged` marks; the incremental messages
   * (`catalog.productChanged` ...) need none.
   */
  catalog?: CatalogSource;
}

/**
 * The one composition call: everything the host mounts, built over the host's own database and
 * storefront. No process-wide singletons: each call is one independent plugin instance (a test builds
 * its own), so a host makes one per process, in one module, and imports it where needed.
 */
export function createKlaviyoNext(options: KlaviyoNextOptions) {
  const config: KlaviyoNextConfig = parseKlaviyoConfig(options.env);
  // The relay needs both: a storefront without consent texts would record sign-ups it cannot prove.
  if (Boolean(options.storefront) !== Boolean(options.consentTexts))
    throw new TypeError(
      `createKlaviyoNext: ${options.storefront ? 'consentTexts' : 'storefront'} is required with ${options.storefront ? 'storefront' : 'consentTexts'} (the browser relay needs both; a worker needs neither).`,
    );
  const now = options.now ?? Date.now;
  const log = options.log ?? consoleLog;
  const db = options.sql;
  const clientOptions = {
    apiKey: config.privateKey,
    companyId: config.companyId,
    baseUrl: config.apiUrl,
    timeoutMs: config.timeoutMs,
  };
  // Klaviyo's limits are per account, so on Postgres every app instance and worker reserves from one
  // budget in the database, on the database's clock; the host's `now` then only measures each call's
  // own deadline, where an offset cancels out. SQLite is one process: its budget stays in memory.
  const klaviyo =
    options.klaviyo ??
    (db.dialect === 'postgres'
      ? createKlaviyo({
          ...clientOptions,
          now,
          governor: new RateGovernor({ store: new PostgresRateBudgetStore(db), now }),
        })
      : createKlaviyo(clientOptions));
  const outbox = new OutboxStore(db);
  const ops = createOps({
    db,
    outbox,
    now,
    log,
    alerts: config.alerts,
    ...(options.onAlert ? { onAlert: options.onAlert } : {}),
    ...(options.meterProvider ? { meterProvider: options.meterProvider } : {}),
  });
  const delivery = createDelivery({
    store: outbox,
    client: klaviyo.client,
    account: config.companyId,
    now,
    log,
    retentionDays: config.retentionDays,
    // Leases, available_at and the pause on the database's clock (Postgres), so hosts whose clocks
    // differ never steal each other's leases; a host (or test) that passes `now` keeps one clock.
    storeClock: options.now === undefined,
    // Metrics, alerts and the worker's liveness are told of every round.
    onRound: ops.onRound,
    // Stock marks become catalog changes before each round (catalog/stock-marks.ts).
    beforeRound: () => catalog.flushStock(),
  });
  const limiter = new RateLimiter(db, now);
  const webhooks = createWebhooks(db, options.webhooks, now, log, config.retentionDays);
  const deliverSoon = options.deliverSoon ?? delivery.deliverSoon;

  const relay: RelayDeps | undefined =
    options.storefront && options.consentTexts
      ? {
          db,
          outbox,
          now,
          log,
          scheduleDelivery: deliverSoon,
          limiter,
          trustedProxyHops: config.trustedProxyHops,
          storefront: options.storefront,
          companyId: config.companyId,
          newsletterListId: config.newsletterListId,
          disclosures: options.consentTexts,
          subscribeSources: options.subscribeSources ?? ['Newsletter form'],
        }
      : undefined;
  const admin: AdminDeps = {
    db,
    klaviyo,
    outbox,
    now,
    defer: deferTask,
    deliverSoon,
    receiver: { secret: options.webhooks?.secret || undefined },
    settings: {
      live: config.live,
      apiUrl: config.apiUrl,
      companyId: config.companyId,
      ...(options.siteUrl
        ? { webhookUrl: `${options.siteUrl.replace(/\/$/, '')}/api/klaviyo/webhooks` }
        : {}),
    },
  };
  const adminDeps = () => admin;
  const catalog = createCatalog({
    source: options.catalog,
    client: klaviyo.client,
    outbox,
    drain: (budgetMs) => delivery.drainSoon(budgetMs),
    now,
    log,
    guard: options.merchantGuard,
  });

  return {
    config,
    /** Route handlers: each route file is one line, `export const { POST } = klaviyo.routes.track`. */
    routes: {
      ...(relay ? relayRoutes(relay) : unconfiguredRelayRoutes),
      // The route gives each its share of its 60 s (drain-request.ts DRAIN_BUDGET_MS): the drain, then
      // a retention pass in what is left.
      drain: drainRoute(
        config.drainSecret,
        // The webhook inbox first (local writes only, a few seconds at most), then the outbox.
        async (budgetMs) => {
          await webhooks.processor?.drain(Math.min(5_000, budgetMs / 4)).catch((error: unknown) => {
            log('webhooks.process_failed', { error: String(error), next: 'the next drain retries' });
          });
          return delivery.drainSoon(budgetMs);
        },
        async (budgetMs) => {
          // The inbox's retention pass is a few deletes; the outbox's gets the budget.
          await webhooks.processor?.prune();
          return delivery.prune({ budgetMs });
        },
      ),
      dashboard: dashboardRoutes(adminDeps, options.merchantGuard),
      /** Klaviyo's system webhooks: verified, stored in the inbox, answered, then processed. */
      webhooks: webhooks.route,
      /** Liveness (200, touches nothing) and readiness (database and migrations; 503 naming what is wrong). */
      ...ops.routes,
    },
    /** The order lifecycle as outbox messages; enqueue them inside the host's order transaction. */
    orders: orderMessages,
    /**
     * The subscription lifecycle (subscribe-and-save) as outbox messages, each an event and the
     * profile's subscription properties; enqueue them inside the transaction that makes the change.
     */
    subscriptions: subscriptionMessages,
    profileUpdated,
    consentChanged,
    /**
     * The catalog sync (README "Catalog"): `productChanged`, `productDeleted`, `categoryChanged` give
     * outbox messages to enqueue in the store's own transaction; `resync()` reads the host's `catalog`
     * and Klaviyo's and sends the difference; `failures()` lists what Klaviyo refused.
     */
    catalog,
    /**
     * Puts messages in the outbox inside the host's transaction (`tx` from the same adapter as `sql`,
     * e.g. `drizzleExecutor(tx)`): they commit or roll back with the host's own rows. A message whose
     * key is already there is skipped; returns how many were new. Call `deliverSoon()` after commit.
     */
    enqueue: (tx: SqlExecutor, messages: readonly OutboxMessage[]) => outbox.enqueue(tx, messages, now()),
    /**
     * Erases a person from the plugin's tables and enqueues Klaviyo's request_profile_deletion, inside
     * the host's transaction `tx` (erasure/erase-from-outbox.ts; README "Erasure"). Call
     * `deliverSoon()` after the commit.
     */
    eraseFromOutbox: (tx: SqlExecutor, subject: ErasureSubject, requestedBy: string) =>
      eraseFromOutbox(outbox, tx, subject, { requestedBy, now: now() }),
    deliverSoon,
    drain: delivery.drainSoon,
    /** The worker loop: `await klaviyo.work(signal)` in a long-running process (scripts/worker.ts). */
    work: async (signal: AbortSignal, idleMs?: number) => {
      await Promise.all([delivery.work(signal, idleMs), webhooks.processor?.work(signal, idleMs)]);
    },
    dispatcher: delivery.dispatcher,
    /**
     * The store's history (README "Backfill"): `run` enqueues past customers, orders and consent from
     * the host's HistorySource a page at a time, resumable from its checkpoint; `dryRun` counts what
     * would be sent and writes nothing; `backlog` is what the history lane still holds.
     */
    backfill: {
      run: (source: HistorySource, options: BackfillOptions) =>
        runBackfill({ db, outbox, now }, source, options),
      dryRun: (source: HistorySource, options: Omit<BackfillOptions, 'signal'>) =>
        dryRunBackfill({ db }, source, options),
      backlog: () => historyBacklog(db),
    },
    /** The webhook inbox and its processor (`drain()` works due items now). */
    webhooks: { inbox: webhooks.inbox, processor: webhooks.processor, configured: webhooks.configured },
    /** Applies the plugin's migrations (bookkeeping in `klaviyo_migrations`); safe to run on every start. */
    migrate: () => migrate(db, PLUGIN_MIGRATIONS, { table: PLUGIN_MIGRATIONS_TABLE }),
    /** The plugin's schema as SQL text, for teams that apply migrations with their own tool. */
    migrationSql: (dialect: Dialect) => migrationSql(dialect),
    dashboard: { actions: dashboardActions(adminDeps, options.merchantGuard), deps: admin },
    /** The relay's dependencies, for hosts that call its use cases directly. */
    relay,
    outbox,
    klaviyo,
    limiter,
    /**
     * Probes for a process that serves no routes (the worker): `serveProbes({port, stopping})` starts
     * `/healthz` (the delivery loop turns) and `/readyz` (database and migrations; 503 once stopping);
     * `readiness()` and `liveness()` answer the same in code. `close()` stops the metrics' reads.
     */
    ops: { readiness: ops.readiness, liveness: ops.liveness, serveProbes: ops.serveProbes, close: ops.close },
  };
}

export type KlaviyoNext = ReturnType<typeof createKlaviyoNext>;
