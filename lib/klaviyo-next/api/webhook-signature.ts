import 'server-only';
import { createHmac, timingSafeEqual } from 'node:crypto';
import type { ResponseOf } from './client';

/**
 * Verifies a Klaviyo system-webhook delivery (Klaviyo's "Working with system webhooks",
 * docs/klaviyo-notes.md#webhook-delivery):
 * `Klaviyo-Signature` is the lowercase hex HMAC-SHA256, keyed with the webhook's secret, of the raw
 * body followed by the `Klaviyo-Timestamp` header value; `meta.klaviyo_webhook_id` must equal the
 * `Klaviyo-Webhook-Id` header. Verify before parsing anything, and dedupe on each `external_id`:
 * a delivery can be retried.
 */

/** One delivery: a batch of events of the subscribed topics, each shaped as a Get Event response. */
export interface KlaviyoWebhookBody {
  data: { topic: string; external_id: string; payload: ResponseOf<'get_event'> }[];
  meta: { klaviyo_account_id: string; klaviyo_webhook_id: string; timestamp: string; version: string };
}

export type WebhookVerification =
  | { ok: true; body: KlaviyoWebhookBody; webhookId: string; timestampMs: number }
  | {
      ok: false;
      reason:
        | 'missing_header'
        | 'bad_timestamp'
        | 'stale'
        | 'bad_signature'
        | 'bad_body'
        | 'webhook_id_mismatch';
    };

type HeaderSource = Headers | Record<string, string | string[] | undefined>;

export interface VerifyOptions {
  /** Exactly the bytes received; re-serialized JSON would not match the signature. */
  rawBody: string | Uint8Array;
  /** A fetch `Headers` (route handlers) or Node's `IncomingHttpHeaders`. */
  headers: HeaderSource;
  secret: string;
  now?: number;
  /**
   * How far the timestamp may be from `now`, either way; 5 minutes by default
   * (docs/klaviyo-notes.md#webhook-delivery).
   */
  toleranceMs?: number;
}

const DEFAULT_TOLERANCE_MS = 5 * 60_000;
// Both forms seen in Klaviyo deliveries (docs/klaviyo-notes.md#webhook-delivery):
// "Tue, 14 Apr 2026 03:50:12 GMT" and "2026-04-13T22:49:36+00:00".
const RFC_1123 = /^[A-Z][a-z]{2}, \d{1,2} [A-Z][a-z]{2} \d{4} \d{2}:\d{2}:\d{2} GMT$/;
const ISO_8601 = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d+)?(?:Z|[+-]\d{2}:?\d{2})$/;

function header(headers: HeaderSource, name: string): string | undefined {
  if (headers instanceof Headers) return headers.get(name) ?? undefined;
  const entry = Object.entries(headers).find(([key]) => key.toLowerCase() === name);
  const value = entry?.[1];
  return Array.isArray(value) ? value[0] : value;
}

/** The instant of a `Klaviyo-Timestamp` in either form, or undefined when it is neither. */
export function parseWebhookTimestamp(value: string): number | undefined {
  if (!RFC_1123.test(value) && !ISO_8601.test(value)) return undefined;
  const ms = Date.parse(value);
  return Number.isNaN(ms) ? undefined : ms;
}

function isBody(value: unknown): value is KlaviyoWebhookBody {
  const body = value as Partial<KlaviyoWebhookBody> | null;
  return typeof body === 'object' && body !== null && Array.isArray(body.data) && Boolean(body.meta);
}

export function verifyKlaviyoWebhook(options: VerifyOptions): WebhookVerification {
  // An empty key would let anyone compute a valid signature.
  if (!options.secret) throw new TypeError('verifyKlaviyoWebhook needs the webhook secret.');
  const signature = header(options.headers, 'klaviyo-signature');
  const timestamp = header(options.headers, 'klaviyo-timestamp');
  const webhookId = header(options.headers, 'klaviyo-webhook-id');
  if (!signature || !timestamp || !webhookId) return { ok: false, reason: 'missing_header' };

  const timestampMs = parseWebhookTimestamp(timestamp);
  if (timestampMs === undefined) return { ok: false, reason: 'bad_timestamp' };
  const now = options.now ?? Date.now();
  if (Math.abs(now - timestampMs) > (options.toleranceMs ?? DEFAULT_TOLERANCE_MS)) {
    return { ok: false, reason: 'stale' };
  }

  const expected = Buffer.from(
    createHmac('sha256', options.secret).update(options.rawBody).update(timestamp).digest('hex'),
  );
  const given = Buffer.from(signature.trim().toLowerCase());
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) {
    return { ok: false, reason: 'bad_signature' };
  }

  let body: unknown;
  try {
    const text =
      typeof options.rawBody === 'string' ? options.rawBody : new TextDecoder().decode(options.rawBody);
    body = JSON.parse(text);
  } catch {
    return { ok: false, reason: 'bad_body' };
  }
  if (!isBody(body)) return { ok: false, reason: 'bad_body' };
  if (body.meta.klaviyo_webhook_id !== webhookId) return { ok: false, reason: 'webhook_id_mismatch' };
  return { ok: true, body, webhookId, timestampMs };
}
