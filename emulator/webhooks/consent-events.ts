import { randomUUID } from 'node:crypto';
import { invalid, notFound } from '../core/errors.js';
import { isoTime } from '../core/ids.js';
import type { Account } from '../store/account.js';
import type { Attributes, ProfileRecord } from '../store/types.js';

/**
 * Klaviyo records a consent metric whenever a profile's marketing consent changes, and a system webhook
 * subscribed to its topic (`event:klaviyo.unsubscribed_from_email_marketing`...) is sent it
 * (Webhooks API overview, docs/klaviyo-notes.md#webhooks-api). The emulator does the same for the
 * changes its subscription jobs make and for what a shopper does at Klaviyo (control hook below):
 * the events go through `recordEvent`, so the webhook dispatcher delivers them signed, batched and
 * retried like any other.
 *
 * `event_properties` carry the identifier (`email_address` as in the delivery example of
 * docs/klaviyo-notes.md#webhook-delivery, `phone_number` for SMS) and `method`. Method values other
 * than PROFILE_PAGE (the documented example) are our choice: API, STOP_KEYWORD, START_KEYWORD,
 * SPAM_COMPLAINT.
 */
export const CONSENT_METRICS = {
  email: { SUBSCRIBED: 'Subscribed to Email Marketing', UNSUBSCRIBED: 'Unsubscribed from Email Marketing' },
  sms: { SUBSCRIBED: 'Subscribed to SMS Marketing', UNSUBSCRIBED: 'Unsubscribed from SMS Marketing' },
} as const;
export const SPAM_METRIC = 'Marked Email as Spam';

type Channel = keyof typeof CONSENT_METRICS;

/** Each marketing channel's consent (SUBSCRIBED, UNSUBSCRIBED, ...) as it is now. */
export function consentSnapshot(profile: ProfileRecord): Record<Channel, string | undefined> {
  return {
    email: profile.subscriptions.email?.marketing?.consent,
    sms: profile.subscriptions.sms?.marketing?.consent,
  };
}

function record(
  account: Account,
  profile: ProfileRecord,
  metricName: string,
  properties: Attributes,
  backfill = false,
): void {
  account.recordEvent({
    metricName,
    properties,
    profile: { id: profile.id },
    uniqueId: randomUUID(),
    // Consent from a historical import is the past synced over: recorded, but it starts no flow.
    ...(backfill ? { backfill: true } : {}),
    // Klaviyo's own event, not one the integration sent: tallies of what was sent leave it out.
    source: 'klaviyo',
  });
}

function identifierProperties(profile: ProfileRecord, channel: Channel): Attributes {
  const { email, phone_number } = profile.attributes;
  return channel === 'email'
    ? { ...(email ? { email_address: email } : {}) }
    : { ...(phone_number ? { phone_number } : {}) };
}

/**
 * Records the consent metric of every marketing channel whose consent differs from `before` (a job
 * that subscribes someone already subscribed records nothing, as nothing changed).
 */
export function recordConsentChanges(
  account: Account,
  profile: ProfileRecord,
  before: Record<Channel, string | undefined>,
  extra: { method: string; listId?: string | undefined; historical?: boolean },
): void {
  const after = consentSnapshot(profile);
  for (const channel of ['email', 'sms'] as const) {
    const now = after[channel];
    if (now === before[channel] || (now !== 'SUBSCRIBED' && now !== 'UNSUBSCRIBED')) continue;
    record(
      account,
      profile,
      CONSENT_METRICS[channel][now],
      {
        ...identifierProperties(profile, channel),
        method: extra.method,
        ...(extra.listId ? { list_id: extra.listId } : {}),
      },
      extra.historical,
    );
  }
}

/** What a shopper can do at Klaviyo rather than through the API (the control hook's `action`). */
export const SHOPPER_ACTIONS = [
  'email-unsubscribe-link',
  'email-resubscribe',
  'email-spam-complaint',
  'sms-stop',
  'sms-start',
] as const;
export type ShopperAction = (typeof SHOPPER_ACTIONS)[number];

function marketing(profile: ProfileRecord, channel: Channel): Attributes {
  profile.subscriptions[channel] ??= {};
  profile.subscriptions[channel].marketing ??= {};
  return profile.subscriptions[channel].marketing;
}

function setConsent(
  profile: ProfileRecord,
  channel: Channel,
  consent: string,
  method: string,
  nowMs: number,
) {
  const target = marketing(profile, channel);
  const timestamp = isoTime(nowMs);
  Object.assign(target, {
    consent,
    consent_timestamp: timestamp,
    last_updated: timestamp,
    method,
    method_detail: null,
  });
  if (channel !== 'email') return;
  const reason = method === 'SPAM_COMPLAINT' ? 'SPAM_COMPLAINT' : 'UNSUBSCRIBE';
  const kept = ((target.suppression ?? []) as { reason: string }[]).filter(
    (s) => s.reason !== 'UNSUBSCRIBE' && s.reason !== 'SPAM_COMPLAINT',
  );
  target.suppression = consent === 'SUBSCRIBED' ? kept : [...kept, { reason, timestamp }];
}

/**
 * Simulates a shopper acting at Klaviyo: clicking "unsubscribe" in an email (PROFILE_PAGE), texting
 * STOP or START, marking an email as spam (a SPAM_COMPLAINT suppression, recorded as Marked Email as
 * Spam), or resubscribing on the preferences page. The profile's consent changes and the matching
 * consent metric is recorded (and so delivered to subscribed webhooks).
 */
export function shopperConsentAction(
  account: Account,
  input: { action?: unknown; email?: unknown; phoneNumber?: unknown },
): { profileId: string; eventsRecorded: number } {
  const action = input.action as ShopperAction;
  if (!SHOPPER_ACTIONS.includes(action))
    throw invalid(`'action' must be one of ${SHOPPER_ACTIONS.join(', ')}.`);
  const sms = action.startsWith('sms-');
  const key = sms ? 'phone_number' : 'email';
  const value = sms ? input.phoneNumber : input.email;
  if (typeof value !== 'string' || value === '')
    throw invalid(`'${sms ? 'phoneNumber' : 'email'}' is required for ${action}.`);
  const profile = account.findProfile({ attributes: { [key]: value } });
  if (!profile) throw notFound(`No profile with ${key} '${value}'.`);
  const before = account.events.size;
  const nowMs = account.now();
  const previous = consentSnapshot(profile);
  switch (action) {
    case 'email-unsubscribe-link':
      setConsent(profile, 'email', 'UNSUBSCRIBED', 'PROFILE_PAGE', nowMs);
      recordConsentChanges(account, profile, previous, { method: 'PROFILE_PAGE' });
      break;
    case 'email-resubscribe':
      setConsent(profile, 'email', 'SUBSCRIBED', 'PROFILE_PAGE', nowMs);
      recordConsentChanges(account, profile, previous, { method: 'PROFILE_PAGE' });
      break;
    case 'email-spam-complaint':
      // A complaint suppresses the address whatever its consent was: always recorded.
      setConsent(profile, 'email', 'UNSUBSCRIBED', 'SPAM_COMPLAINT', nowMs);
      record(account, profile, SPAM_METRIC, {
        ...identifierProperties(profile, 'email'),
        method: 'SPAM_COMPLAINT',
      });
      break;
    case 'sms-stop':
      setConsent(profile, 'sms', 'UNSUBSCRIBED', 'STOP_KEYWORD', nowMs);
      recordConsentChanges(account, profile, previous, { method: 'STOP_KEYWORD' });
      break;
    case 'sms-start':
      setConsent(profile, 'sms', 'SUBSCRIBED', 'START_KEYWORD', nowMs);
      recordConsentChanges(account, profile, previous, { method: 'START_KEYWORD' });
      break;
  }
  profile.updatedMs = nowMs;
  profile.attributes.updated = isoTime(nowMs);
  return { profileId: profile.id, eventsRecorded: account.events.size - before };
}
