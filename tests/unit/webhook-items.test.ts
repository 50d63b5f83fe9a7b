import { describe, expect, it } from 'vitest';
import { parseWebhookTimestamp } from '../../lib/klaviyo-next/api/webhook-signature.js';
import { CONSENT_TOPIC_IDS, readItem } from '../../lib/klaviyo-next/webhooks/consent-items.js';
import { backoffMs, WEBHOOK_MAX_ATTEMPTS } from '../../lib/klaviyo-next/webhooks/processor.js';

/** An item shaped as docs/klaviyo-notes.md#webhook-delivery's example. */
const item = (
  topic: string,
  properties: Record<string, unknown>,
  datetime = '2026-04-13T22:16:46+00:00',
) => ({
  topic,
  external_id: '73WCCK7JKtE',
  payload: {
    data: {
      type: 'event',
      id: '73WCCK7JKtE',
      attributes: { datetime, timestamp: 1776118606, event_properties: properties },
      relationships: { profile: { data: { type: 'profile', id: '01KP4ABC' } } },
    },
  },
});

describe('readItem', () => {
  it('reads an email unsubscribe: email lower-cased, method, profile, time of the event', () => {
    const read = readItem(
      item('event:klaviyo.unsubscribed_from_email_marketing', {
        email_address: ' Ada@Example.COM ',
        method: 'PROFILE_PAGE',
        list_id: 'Xy12Ab',
      }),
      0,
    );
    expect(read.change).toEqual({
      externalId: '73WCCK7JKtE',
      topic: 'event:klaviyo.unsubscribed_from_email_marketing',
      channel: 'email',
      status: 'unsubscribed',
      email: 'ada@example.com',
      klaviyoProfileId: '01KP4ABC',
      listId: 'Xy12Ab',
      method: 'PROFILE_PAGE',
      at: '2026-04-13T22:16:46.000Z',
    });
    expect(read.identity).toBe('ada@example.com');
  });

  it('reads an SMS STOP with the phone in E.164 as the identity', () => {
    const read = readItem(
      item('event:klaviyo.unsubscribed_from_sms_marketing', {
        phone_number: '(500) 555-0123',
        method: 'STOP_KEYWORD',
      }),
      0,
    );
    expect(read.change).toMatchObject({ channel: 'sms', status: 'unsubscribed', phone: '+15005550123' });
    expect(read.identity).toBe('+15005550123');
  });

  it('a spam complaint is an email suppression', () => {
    const read = readItem(item('event:klaviyo.marked_email_as_spam', { email_address: 'x@example.com' }), 0);
    expect(read.change).toMatchObject({ channel: 'email', status: 'suppressed' });
  });

  it('keeps other topics for dedup only, and falls back to the timestamp, then the receipt time', () => {
    const other = readItem(item('event:klaviyo.opened_email', {}), 0);
    expect(other.change).toBeUndefined();
    expect(other.identity).toBeUndefined();
    const noDatetime = readItem(item('event:klaviyo.subscribed_to_sms_marketing', {}, ''), 5);
    expect(noDatetime.eventAt).toBe(1776118606 * 1000);
    // No identifier in the event: the profile id orders its changes.
    expect(noDatetime.identity).toBe('profile:01KP4ABC');
  });

  it('the Settings button subscribes to the five consent topics', () => {
    expect(CONSENT_TOPIC_IDS).toEqual([
      'event:klaviyo.subscribed_to_email_marketing',
      'event:klaviyo.unsubscribed_from_email_marketing',
      'event:klaviyo.subscribed_to_sms_marketing',
      'event:klaviyo.unsubscribed_from_sms_marketing',
      'event:klaviyo.marked_email_as_spam',
    ]);
  });
});

describe('timestamps and backoff', () => {
  it('parses both Klaviyo-Timestamp forms and refuses others', () => {
    expect(parseWebhookTimestamp('Tue, 14 Apr 2026 03:50:12 GMT')).toBe(Date.parse('2026-04-14T03:50:12Z'));
    expect(parseWebhookTimestamp('2026-04-13T22:49:36+00:00')).toBe(Date.parse('2026-04-13T22:49:36Z'));
    expect(parseWebhookTimestamp('1776118606')).toBeUndefined();
    expect(parseWebhookTimestamp('yesterday')).toBeUndefined();
  });

  it('retries the sink after 1 s, doubling, capped at an hour, then dead after WEBHOOK_MAX_ATTEMPTS', () => {
    expect([1, 2, 3, 4].map(backoffMs)).toEqual([1_000, 2_000, 4_000, 8_000]);
    expect(backoffMs(30)).toBe(3_600_000);
    expect(WEBHOOK_MAX_ATTEMPTS).toBeGreaterThan(12);
  });
});
