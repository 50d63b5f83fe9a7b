import 'server-only';
import { z } from 'zod';
import { ConfigError } from '../config';
import type { Log } from '../log';
import type { SqlDatabase } from '../sql/types';
import { InboxStore } from './inbox-store';
import { createInboxProcessor } from './processor';
import { webhookRoute } from './receiver';
import type { ConsentSink } from './types';

export { CONSENT_TOPIC_IDS, CONSENT_TOPICS } from './consent-items';
export { WEBHOOK_MIGRATIONS } from './schema';

/** createKlaviyoNext's `webhooks` option. */
export interface WebhookOptions {
  /** KLAVIYO_WEBHOOK_SECRET: the secret_key the webhook signs with. Unset: the receiver answers 404. */
  secret?: string | undefined;
  /** KLAVIYO_WEBHOOK_PREVIOUS_SECRET: still accepted during a rotation, until it is removed. */
  previousSecret?: string | undefined;
  /** Applies one consent change to the host's store; idempotent, throws to be retried later. */
  onConsentChange: ConsentSink;
}

// The secret keys an HMAC anyone could compute with a short or guessable one; `openssl rand -hex 32`.
const secretField = z.string().min(16, 'must be at least 16 characters (openssl rand -hex 32)');
const optionsSchema = z.object({
  secret: secretField.optional(),
  previousSecret: secretField.optional(),
});

/** Checks the secrets; an empty string counts as unset (an .env line left blank). */
function parseSecrets(options: WebhookOptions | undefined) {
  const blank = (value: string | undefined) => (value === '' ? undefined : value);
  const parsed = optionsSchema.safeParse({
    secret: blank(options?.secret),
    previousSecret: blank(options?.previousSecret),
  });
  if (!parsed.success) {
    const names = { secret: 'KLAVIYO_WEBHOOK_SECRET', previousSecret: 'KLAVIYO_WEBHOOK_PREVIOUS_SECRET' };
    throw new ConfigError(
      parsed.error.issues.map((issue) => {
        const key = String(issue.path[0]) as keyof typeof names;
        return `webhooks.${key} (${names[key]}) ${issue.message}`;
      }),
    );
  }
  if (parsed.data.previousSecret && !parsed.data.secret)
    throw new ConfigError(['webhooks.previousSecret needs webhooks.secret (the new secret) beside it.']);
  return parsed.data;
}

/**
 * The webhook receiver of one plugin instance: its route, its inbox and the processor that hands
 * consent changes to the host. Without `options` (no sink) the route still verifies and stores, and
 * nothing is processed until an instance with a sink runs.
 */
export function createWebhooks(
  db: SqlDatabase,
  options: WebhookOptions | undefined,
  now: () => number,
  log: Log,
  /** OUTBOX_RETENTION_DAYS: applied items are deleted after this many days. */
  retentionDays?: number,
) {
  const { secret, previousSecret } = parseSecrets(options);
  const inbox = new InboxStore(db);
  const processor = options?.onConsentChange
    ? createInboxProcessor({ inbox, sink: options.onConsentChange, now, log, retentionDays })
    : undefined;
  const route = webhookRoute({
    secret,
    previousSecret,
    inbox,
    now,
    log,
    processSoon: processor?.processSoon ?? (() => {}),
  });
  return { route, inbox, processor, configured: Boolean(secret) };
}

export type Webhooks = ReturnType<typeof createWebhooks>;
