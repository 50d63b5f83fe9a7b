import { createHmac } from 'node:crypto';
import type { Context } from '../core/context.js';
import { isoTime } from '../core/ids.js';
import { parseQuery } from '../core/query.js';
import { loadSpec } from '../core/spec.js';
import { renderEvent } from '../handlers/events.js';
import type { Account } from '../store/account.js';
import type { EventRecord, WebhookRecord } from '../store/types.js';

/**
 * System-webhook delivery (Klaviyo's "Working with system webhooks" guide,
 * docs/klaviyo-notes.md#webhook-delivery): recorded events whose metric matches a subscribed topic are POSTed
 * to the webhook's endpoint_url in batches, signed with the webhook's secret_key.
 */

// The `meta.version` Klaviyo sends in system-webhook bodies (observed value,
// docs/klaviyo-notes.md#webhook-delivery).
const PAYLOAD_VERSION = '2024-06-28';

export interface WebhookDeliveryOptions {
  /** Events recorded within this window go out in one request (default 100 ms). */
  batchWindowMs?: number;
  /** Most events per request; Klaviyo batches up to 1000 (docs/klaviyo-notes.md#webhook-delivery). */
  maxBatchSize?: number;
  /**
   * Wait before each retry of a 429, a 5xx or a network error, on the account's clock (so a test that
   * moves the clock moves the retries). Default RETRY_DELAYS_MS: about 1.8 hours in all.
   */
  retryDelaysMs?: number[];
  /** Per-attempt request timeout (default 10 s). */
  timeoutMs?: number;
  /** Base of the payload's `links`; real deliveries link to https://a.klaviyo.com (the default). */
  baseUrl?: string;
}

/**
 * Klaviyo documents retries for flow webhooks only (429 with exponential backoff, and 5xx;
 * docs/klaviyo-notes.md#webhook-delivery); the emulator retries system webhooks the same way. Our
 * choice of schedule: exponential-ish from 1 s to an hour, ten retries over about 1.8 hours, so an app
 * that is down for minutes (a deploy, a database restart) still gets every batch.
 */
export const RETRY_DELAYS_MS = [
  1_000, 5_000, 15_000, 30_000, 60_000, 120_000, 300_000, 600_000, 1_800_000, 3_600_000,
];

export interface WebhookDispatcher {
  /**
   * Sends everything queued now and resolves once every delivery, retries included, is done. While
   * it drains, retries go at once instead of waiting their delay (a test or `settle` asked for
   * everything now).
   */
  drain(): Promise<void>;
  /** Stops batching and retrying and unhooks from `account.onEvents`. */
  stop(): void;
}

interface Queued {
  topic: string;
  event: EventRecord;
}

/** `Placed Order` -> `event:klaviyo.placed_order`, the topic id form of get_webhook_topics. */
export function topicForMetric(metricName: string): string {
  const snake = metricName
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '_')
    .replace(/^_+|_+$/g, '');
  return `event:klaviyo.${snake}`;
}

/**
 * The `Klaviyo-Signature` header: lowercase hex HMAC-SHA256 keyed with the webhook's secret_key over
 * the raw body followed by the `Klaviyo-Timestamp` header value, no separator
 * (docs/klaviyo-notes.md#webhook-delivery).
 */
export function signWebhook(secret: string, body: string, timestamp: string): string {
  return createHmac('sha256', secret).update(body).update(timestamp).digest('hex');
}

const dispatchers = new WeakMap<Account, WebhookDispatcher>();

/**
 * Starts delivering the account's webhooks, chaining any `onEvents` handler already set. Calling it
 * again for the same account returns the running dispatcher (so deliveries are never doubled).
 */
export function startWebhookDelivery(
  account: Account,
  options: WebhookDeliveryOptions = {},
): WebhookDispatcher {
  const running = dispatchers.get(account);
  if (running) return running;
  const dispatcher = new Dispatcher(account, options);
  dispatchers.set(account, dispatcher);
  return dispatcher;
}

const sleep = (ms: number) =>
  new Promise<void>((resolve) => {
    setTimeout(resolve, ms).unref();
  });

/** How often a retry's wait looks at the account's clock, in real ms (a test may move that clock). */
const CLOCK_POLL_MS = 100;

/**
 * 429 and 5xx are worth retrying, as for Klaviyo's flow webhooks (docs/klaviyo-notes.md#webhook-delivery).
 */
const retryable = (status: number | 'error') => status === 'error' || status === 429 || status >= 500;

class Dispatcher implements WebhookDispatcher {
  private readonly queues = new Map<string, { items: Queued[]; timer?: NodeJS.Timeout }>();
  private readonly inFlight = new Set<Promise<void>>();
  private readonly previous: Account['onEvents'];
  private readonly handler: NonNullable<Account['onEvents']>;
  private readonly windowMs: number;
  private readonly maxBatch: number;
  private readonly retryDelays: number[];
  private readonly timeoutMs: number;
  private readonly baseUrl: string;
  private stopped = false;
  /** Drains running: retries go at once. */
  private hurry = 0;

  constructor(
    private readonly account: Account,
    options: WebhookDeliveryOptions,
  ) {
    this.windowMs = options.batchWindowMs ?? 100;
    this.maxBatch = options.maxBatchSize ?? 1000;
    this.retryDelays = options.retryDelaysMs ?? RETRY_DELAYS_MS;
    this.timeoutMs = options.timeoutMs ?? 10_000;
    this.baseUrl = options.baseUrl ?? 'https://a.klaviyo.com';
    this.previous = account.onEvents;
    this.handler = (events) => {
      this.previous?.(events);
      this.enqueue(events);
    };
    account.onEvents = this.handler;
  }

  async drain(): Promise<void> {
    this.hurry++;
    try {
      for (const id of [...this.queues.keys()]) this.flush(id);
      while (this.inFlight.size > 0) await Promise.allSettled([...this.inFlight]);
    } finally {
      this.hurry--;
    }
  }

  /** Waits until the account's clock reaches `dueMs`, or a drain or stop cuts the wait short. */
  private async waitUntil(dueMs: number): Promise<void> {
    for (;;) {
      const left = dueMs - this.account.now();
      if (left <= 0 || this.stopped || this.hurry > 0) return;
      await sleep(Math.min(left, CLOCK_POLL_MS));
    }
  }

  stop(): void {
    this.stopped = true;
    for (const queue of this.queues.values()) clearTimeout(queue.timer);
    this.queues.clear();
    if (this.account.onEvents === this.handler) this.account.onEvents = this.previous;
    dispatchers.delete(this.account);
  }

  /** Queues each event for every enabled webhook subscribed to its metric's topic. */
  private enqueue(events: EventRecord[]): void {
    if (this.stopped) return;
    for (const webhook of this.account.webhooks.values()) {
      if (!webhook.attributes.enabled) continue;
      for (const event of events) {
        const metric = this.account.metrics.get(event.metricId);
        const topic = metric && topicForMetric(metric.name);
        if (topic && webhook.topics.includes(topic)) this.add(webhook.id, { topic, event });
      }
    }
  }

  private add(webhookId: string, item: Queued): void {
    let queue = this.queues.get(webhookId);
    if (!queue) {
      queue = { items: [] };
      this.queues.set(webhookId, queue);
    }
    queue.items.push(item);
    if (queue.items.length >= this.maxBatch) this.flush(webhookId);
    else if (!queue.timer) {
      queue.timer = setTimeout(() => this.flush(webhookId), this.windowMs);
      queue.timer.unref();
    }
  }

  private flush(webhookId: string): void {
    const queue = this.queues.get(webhookId);
    if (!queue) return;
    clearTimeout(queue.timer);
    this.queues.delete(webhookId);
    for (let i = 0; i < queue.items.length; i += this.maxBatch) {
      const send = this.send(webhookId, queue.items.slice(i, i + this.maxBatch));
      this.inFlight.add(send);
      void send.finally(() => this.inFlight.delete(send));
    }
  }

  /**
   * Delivers one batch, retrying with backoff. The body stays the same on every attempt (receivers
   * dedupe on `external_id`); each attempt gets a fresh timestamp and signature. A webhook deleted or
   * disabled meanwhile gets nothing more.
   */
  private async send(webhookId: string, batch: Queued[]): Promise<void> {
    const body = JSON.stringify(this.envelope(webhookId, batch));
    for (let attempt = 0; ; attempt++) {
      const webhook = this.account.webhooks.get(webhookId);
      if (this.stopped || !webhook?.attributes.enabled) return;
      const status = await this.post(webhook, body);
      if (!retryable(status)) return;
      const delay = this.retryDelays[attempt];
      if (delay === undefined) return;
      await this.waitUntil(this.account.now() + delay);
    }
  }

  private envelope(webhookId: string, batch: Queued[]) {
    return {
      data: batch.map(({ topic, event }) => ({
        topic,
        external_id: event.id,
        payload: { data: renderEvent(this.eventContext(event), event) },
      })),
      meta: {
        klaviyo_account_id: this.account.id,
        klaviyo_webhook_id: webhookId,
        timestamp: new Date(this.account.now()).toISOString().replace('Z', '+00:00'),
        version: PAYLOAD_VERSION,
      },
    };
  }

  /** The payload is "the same structure as a Get Event API call", so render it as get_event would. */
  private eventContext(event: EventRecord): Context {
    const op = loadSpec().byId.get('get_event');
    if (!op) throw new Error('The spec has no get_event operation.');
    return {
      op,
      account: this.account,
      params: { id: event.id },
      query: parseQuery(op, new URLSearchParams()),
      body: undefined,
      headers: {},
      baseUrl: this.baseUrl,
      url: new URL(`/api/events/${event.id}`, this.baseUrl),
      settings: { httpLoopbackWebhooks: false }, // rendering an event reads no setting
    };
  }

  /** One signed POST, recorded in `account.webhookDeliveries`; resolves to the status or 'error'. */
  private async post(webhook: WebhookRecord, body: string): Promise<number | 'error'> {
    const url: string = webhook.attributes.endpoint_url;
    // The account's clock, so the timestamp agrees with event times when a test moves the clock.
    const timestamp = isoTime(this.account.now());
    const headers = {
      'Content-Type': 'application/json',
      'Klaviyo-Webhook-Id': webhook.id,
      'Klaviyo-Timestamp': timestamp,
      'Klaviyo-Signature': signWebhook(webhook.secretKey, body, timestamp),
    };
    let status: number | 'error';
    try {
      const response = await fetch(url, {
        method: 'POST',
        headers,
        body,
        signal: AbortSignal.timeout(this.timeoutMs),
      });
      await response.arrayBuffer();
      status = response.status;
    } catch {
      status = 'error';
    }
    this.account.webhookDeliveries.push({
      webhookId: webhook.id,
      url,
      status,
      body,
      headers,
      atMs: this.account.now(),
    });
    return status;
  }
}
