import { toE164 } from '../events/identity';
import type { ConsentChange } from './types';

/**
 * Which webhook topics are consent changes, and what each means for the store. Topic ids are
 * `event:klaviyo.<metric>` (get_webhook_topics); the metrics are Klaviyo's consent metrics (Webhooks API
 * overview, docs/klaviyo-notes.md#webhooks-api). A spam complaint suppresses the address (profile
 * `suppression[].reason` SPAM_COMPLAINT in the spec's EmailMarketingSuppression), so it arrives as a
 * suppression. The Settings button subscribes the store's webhook to exactly these topics.
 */
export const CONSENT_TOPICS = {
  'event:klaviyo.subscribed_to_email_marketing': { channel: 'email', status: 'subscribed' },
  'event:klaviyo.unsubscribed_from_email_marketing': { channel: 'email', status: 'unsubscribed' },
  'event:klaviyo.subscribed_to_sms_marketing': { channel: 'sms', status: 'subscribed' },
  'event:klaviyo.unsubscribed_from_sms_marketing': { channel: 'sms', status: 'unsubscribed' },
  'event:klaviyo.marked_email_as_spam': { channel: 'email', status: 'suppressed' },
} as const satisfies Record<string, Pick<ConsentChange, 'channel' | 'status'>>;

export const CONSENT_TOPIC_IDS = Object.keys(CONSENT_TOPICS) as (keyof typeof CONSENT_TOPICS)[];

/** One item of a delivery's `data[]`, as checked by the receiver (its payload is a get_event answer). */
export interface WebhookItem {
  topic: string;
  external_id: string;
  payload: unknown;
}

/** What the inbox keeps of one item. */
export interface InboxItem {
  externalId: string;
  topic: string;
  /** The change for a consent topic; undefined for a topic the plugin does not act on. */
  change?: ConsentChange;
  /** Whose change it is (orders one person's changes), or undefined. */
  identity?: string;
  /** When it happened at Klaviyo, epoch ms. */
  eventAt: number;
}

const text = (value: unknown): string | undefined =>
  typeof value === 'string' && value.trim() !== '' ? value.trim() : undefined;

function eventOf(payload: unknown) {
  const data = (payload as { data?: unknown } | null)?.data as
    | {
        attributes?: { datetime?: unknown; timestamp?: unknown; event_properties?: Record<string, unknown> };
        relationships?: { profile?: { data?: { id?: unknown } } };
      }
    | undefined;
  return {
    attributes: data?.attributes ?? {},
    properties: data?.attributes?.event_properties ?? {},
    profileId: text(data?.relationships?.profile?.data?.id),
  };
}

/** When the event happened: its ISO `datetime`, else its `timestamp` (seconds), else `fallbackMs`. */
function eventTime(attributes: { datetime?: unknown; timestamp?: unknown }, fallbackMs: number): number {
  const iso = text(attributes.datetime);
  const parsed = iso ? Date.parse(iso) : Number.NaN;
  if (!Number.isNaN(parsed)) return parsed;
  return typeof attributes.timestamp === 'number' ? attributes.timestamp * 1000 : fallbackMs;
}

/**
 * Reads one delivered item. Consent items become a ConsentChange with the identifiers the event
 * carries (`email_address`/`$email`, `phone_number`/`$phone_number` in event_properties, as in the
 * delivery example of docs/klaviyo-notes.md#webhook-delivery), the email lower-cased and the phone in
 * E.164; other topics are kept for dedup only.
 */
export function readItem(item: WebhookItem, receivedAtMs: number): InboxItem {
  const { attributes, properties, profileId } = eventOf(item.payload);
  const eventAt = eventTime(attributes, receivedAtMs);
  const meaning = CONSENT_TOPICS[item.topic as keyof typeof CONSENT_TOPICS];
  if (!meaning) return { externalId: item.external_id, topic: item.topic, eventAt };
  const email = (
    text(properties.email_address) ??
    text(properties.$email) ??
    text(properties.email)
  )?.toLowerCase();
  const rawPhone = text(properties.phone_number) ?? text(properties.$phone_number);
  const phone = rawPhone ? (toE164(rawPhone) ?? rawPhone) : undefined;
  const listId = text(properties.list_id) ?? text(properties.$list_id);
  const method = text(properties.method) ?? text(properties.$method);
  const change: ConsentChange = {
    externalId: item.external_id,
    topic: item.topic,
    channel: meaning.channel,
    status: meaning.status,
    ...(email ? { email } : {}),
    ...(phone ? { phone } : {}),
    ...(profileId ? { klaviyoProfileId: profileId } : {}),
    ...(listId ? { listId } : {}),
    ...(method ? { method } : {}),
    at: new Date(eventAt).toISOString(),
  };
  const who = meaning.channel === 'sms' ? (phone ?? email) : (email ?? phone);
  const identity = who ?? (profileId ? `profile:${profileId}` : undefined);
  return {
    externalId: item.external_id,
    topic: item.topic,
    change,
    eventAt,
    ...(identity ? { identity } : {}),
  };
}
