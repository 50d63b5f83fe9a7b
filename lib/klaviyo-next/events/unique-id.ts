/**
 * Deterministic event ids. Klaviyo records an event once per (profile, metric, unique_id); without
 * one it keys on the time to the second and drops same-second events (create_event, `unique_id`).
 * The same fact gets the same id whether the browser or the server sends it, and however often it
 * is retried; each line, fulfilment and refund is its own fact with its own id.
 */
export function uniqueId(kind: string, ...parts: (string | number)[]): string {
  return [kind, ...parts.map((p) => encodeURIComponent(String(p)))].join(':');
}
