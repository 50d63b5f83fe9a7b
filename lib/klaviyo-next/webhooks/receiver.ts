import 'server-only';
import { z } from 'zod';
import { parseWebhookTimestamp, verifyKlaviyoWebhook } from '../api/webhook-signature';
import { errorResponse } from '../http/error-response';
import type { FieldError } from '../http/field-error';
import { fieldErrorOf } from '../http/field-error';
import { readLimitedBody } from '../http/read-limited-body';
import type { Log } from '../log';
import { readItem } from './consent-items';
import type { InboxStore } from './inbox-store';

/**
 * Largest body accepted: a delivery holds up to 1000 events (docs/klaviyo-notes.md#webhook-delivery),
 * each a get_event document of a few KB; 5 MB is Klaviyo's own request ceiling for its bulk endpoints.
 */
export const MAX_WEBHOOK_BODY_BYTES = 5 * 1024 * 1024;
/** Klaviyo-Timestamp may be this far from now, either way (docs/klaviyo-notes.md#webhook-delivery). */
export const WEBHOOK_TOLERANCE_MS = 5 * 60_000;

export interface ReceiverDeps {
  /** KLAVIYO_WEBHOOK_SECRET, the webhook's secret_key; without one the route answers 404. */
  secret: string | undefined;
  /** The secret before a rotation, accepted too until it is removed. */
  previousSecret?: string | undefined;
  inbox: InboxStore;
  now: () => number;
  log: Log;
  /** Asks for the stored items to be worked after the response. */
  processSoon: () => void;
}

// external_id is Klaviyo's idempotency key and our primary key: a string, of a sane length.
const envelope = z.object({
  data: z
    .array(
      z.object({
        topic: z.string().min(1).max(200),
        external_id: z.string().min(1).max(200),
        payload: z.record(z.string(), z.unknown()),
      }),
    )
    .max(1000),
  meta: z.object({ klaviyo_webhook_id: z.string().min(1) }).loose(),
});

const refused = (status: number, error: FieldError) => ({ status, error }) as const;

/**
 * Checks one delivery: size (413), headers, timestamp window, signature with the current secret and
 * then the previous one (401), JSON and shape (400), `meta.klaviyo_webhook_id` against the header (401).
 * The signature is checked on the raw bytes before anything is parsed.
 */
async function accept(request: Request, deps: ReceiverDeps) {
  const raw = await readLimitedBody(request, MAX_WEBHOOK_BODY_BYTES);
  if (raw === undefined)
    return refused(413, {
      field: 'body',
      message: `The body is larger than ${MAX_WEBHOOK_BODY_BYTES} bytes.`,
    });
  const secrets = [deps.secret, deps.previousSecret].filter((s): s is string => Boolean(s));
  const now = deps.now();
  let verified: ReturnType<typeof verifyKlaviyoWebhook> | undefined;
  for (const secret of secrets) {
    verified = verifyKlaviyoWebhook({
      rawBody: raw,
      headers: request.headers,
      secret,
      now,
      toleranceMs: WEBHOOK_TOLERANCE_MS,
    });
    if (verified.ok || verified.reason !== 'bad_signature') break;
  }
  if (!verified) return refused(404, { message: 'The webhook receiver is off.' });
  if (!verified.ok) {
    switch (verified.reason) {
      case 'missing_header': {
        const missing = ['Klaviyo-Signature', 'Klaviyo-Timestamp', 'Klaviyo-Webhook-Id'].find(
          (name) => !request.headers.get(name),
        );
        return refused(401, { field: missing, message: `The ${missing} header is required.` });
      }
      case 'bad_timestamp':
        return refused(401, {
          field: 'Klaviyo-Timestamp',
          message: 'Klaviyo-Timestamp must be an RFC 1123 or ISO 8601 time.',
        });
      case 'stale': {
        const at = parseWebhookTimestamp(request.headers.get('klaviyo-timestamp') ?? '') ?? 0;
        return refused(401, {
          field: 'Klaviyo-Timestamp',
          message:
            at > now
              ? 'Klaviyo-Timestamp is more than 5 minutes in the future.'
              : 'Klaviyo-Timestamp is more than 5 minutes old; a replayed delivery is refused.',
        });
      }
      case 'bad_signature':
        return refused(401, {
          field: 'Klaviyo-Signature',
          message: 'Klaviyo-Signature does not match the body and timestamp for the webhook secret.',
        });
      case 'webhook_id_mismatch':
        return refused(401, {
          field: 'meta.klaviyo_webhook_id',
          message: 'meta.klaviyo_webhook_id does not match the Klaviyo-Webhook-Id header.',
        });
      default:
        return refused(400, { field: 'body', message: 'The body is not a Klaviyo webhook delivery (JSON).' });
    }
  }
  const parsed = envelope.safeParse(verified.body);
  if (!parsed.success) return refused(400, fieldErrorOf(parsed.error));
  return { webhookId: verified.webhookId, items: parsed.data.data, receivedAt: now };
}

/**
 * The webhook route (`POST /api/klaviyo/webhooks`): verifies the delivery, stores each item in the
 * inbox by its `external_id` in one transaction, answers 200 once that has committed, and has the
 * items worked after the response. A store that cannot write answers 503 so Klaviyo delivers again.
 */
export function webhookRoute(deps: ReceiverDeps) {
  const receive = async (request: Request): Promise<Response> => {
    if (!deps.secret)
      return errorResponse(404, {
        message:
          'The webhook receiver is off; set KLAVIYO_WEBHOOK_SECRET (the webhook secret_key) to enable it.',
      });
    const accepted = await accept(request, deps);
    if ('error' in accepted) {
      deps.log('webhooks.refused', { status: accepted.status, field: accepted.error.field ?? null });
      return errorResponse(accepted.status, accepted.error);
    }
    const items = accepted.items.map((item) => readItem(item, accepted.receivedAt));
    // One delivery may carry the same item twice; the first is kept.
    const seen = new Set<string>();
    const unique = items.filter((item) => !seen.has(item.externalId) && Boolean(seen.add(item.externalId)));
    let added: string[];
    try {
      added = await deps.inbox.insert(accepted.webhookId, unique, accepted.receivedAt);
    } catch (error) {
      deps.log('webhooks.store_failed', { error: String(error), next: 'Klaviyo delivers again' });
      return errorResponse(503, { message: 'The delivery could not be stored; deliver it again later.' });
    }
    if (added.length > 0) deps.processSoon();
    return Response.json({ received: items.length, stored: added.length }, { status: 200 });
  };
  return { POST: receive };
}
