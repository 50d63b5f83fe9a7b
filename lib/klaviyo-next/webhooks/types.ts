/**
 * The contract between the webhook receiver (plugin) and the host store: what one consent change that
 * Klaviyo reported looks like, and the host's function that applies it.
 *
 * Not to be confused with the outgoing consent the store sends to Klaviyo (events/consent.ts, exported
 * as `OutgoingConsent`): this one flows the other way.
 */

/** One consent change Klaviyo reported (a webhook item), as the host store applies it. */
export interface ConsentChange {
  /** The item's external_id: Klaviyo's idempotency key. */
  externalId: string;
  /** e.g. 'event:klaviyo.unsubscribed_from_email_marketing' */
  topic: string;
  channel: 'email' | 'sms';
  status: 'subscribed' | 'unsubscribed' | 'suppressed' | 'unsuppressed';
  /** Lower-cased. */
  email?: string;
  /** E.164. */
  phone?: string;
  klaviyoProfileId?: string;
  listId?: string;
  /** event_properties.method when given (e.g. PROFILE_PAGE, STOP keyword). */
  method?: string;
  /** ISO time of the change at Klaviyo (the event's datetime). */
  at: string;
}

/** The host's side: apply one change; idempotent (may be called again after a crash), throws to retry later. */
export type ConsentSink = (change: ConsentChange) => Promise<void>;
