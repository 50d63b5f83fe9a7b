/**
 * The app's structured log, shared by the plugin (relay, outbox) and the store: it depends on nothing,
 * so neither has to import the other for it.
 */
/** A structured log line: what happened, and the facts that explain it (never a shopper's data). */
export type Log = (event: string, fields?: Record<string, unknown>) => void;

export const consoleLog: Log = (event, fields = {}) => console.warn(JSON.stringify({ event, ...fields }));
