/**
 * What the host store supplies to `createKlaviyoNext`: each port is a small interface the store
 * implements over its own platform. The plugin never reaches into the host's code for anything else.
 *
 * - `sql` (SqlDatabase): the host's database, through one of the adapters in `./sql` (node-postgres,
 *   better-sqlite3, Drizzle). The plugin keeps its outbox, rate limits and dashboard cache there, and
 *   `enqueue(tx, messages)` joins the host's own transaction through the same adapter
 *   (`postgresExecutor(client)`, `drizzleExecutor(tx)`), so an order and its events commit together.
 * - `storefront` (Storefront): how the browser relay rebuilds an event from ids, and who the shopper is.
 * - `consentTexts`: the exact wording a shopper agrees to, by version.
 * - `merchantGuard`: who may use the dashboard's routes and actions.
 * - `log`: where the plugin's structured log lines go (default: the console).
 */
export type { Storefront } from './events/storefront';
export type { Log } from './log';
export type { Dialect, Row, SqlDatabase, SqlExecutor } from './sql/types';

/** A consent text a form shows, by version; the relay records the server's copy, never the client's. */
export interface ConsentText {
  /** Changes whenever the wording does: a form showing an older text is asked to agree again. */
  version: string;
  text: string;
}

/** The texts beside the newsletter form's two boxes. */
export type ConsentTexts = Record<'email' | 'sms', ConsentText>;

/** The answer of the merchant guard: allowed, or refused with the status and message to show. */
export type GuardDecision = { ok: true } | { ok: false; status: 401 | 403; message: string };

/**
 * Decides whether the current request (route handler or server action) belongs to a merchant. It
 * reads the request's own session (through `next/headers`), so it works for both; the demo implements
 * it with next-auth. Without a guard the dashboard's routes and actions refuse everyone.
 */
export type MerchantGuard = () => Promise<GuardDecision>;
