import { describe, expect, it } from 'vitest';
import { consentChange } from '../../lib/klaviyo-next/events/consent.js';
import { CONSENT_SETTLE_MS } from '../../lib/klaviyo-next/outbox/deliver/consent.js';
import { deliverAll, KNOWN_KINDS, roundControl } from '../../lib/klaviyo-next/outbox/deliver/index.js';
import { sameIdentity } from '../../lib/klaviyo-next/outbox/deliver/riding.js';
import { consentMessage } from '../../lib/klaviyo-next/outbox/types.js';

/**
 * Consent goes in bulk subscribe jobs, one per status, list, source and channel: an SMS job Klaviyo
 * refuses for one bad number answers for none of the email sign-ups beside it. Each accepted change
 * fences its person for the consent settle window (the jobs have no status to poll).
 */
import { useEmulatorAndSqliteOutbox } from '../support/outbox-fixtures.js';

describe('consent in bulk jobs, per channel', () => {
  const outbox = useEmulatorAndSqliteOutbox();
  const { clock } = outbox;

  it('sends email and SMS consent as separate jobs; a bad number fails alone; each change fences its person', async () => {
    const common = {
      status: 'SUBSCRIBED' as const,
      consentedAt: '2026-07-15T12:00:00Z',
      source: 'Checkout',
    };
    const messages = [
      ...[1, 2, 3].map((i) =>
        consentMessage(
          consentChange({ ...common, channel: 'email', profile: { email: `e${i}@example.com` } }),
        ),
      ),
      ...['+12025550121', '+12025550122', '+12'].map((phone) =>
        consentMessage(consentChange({ ...common, channel: 'sms', profile: { phone_number: phone } })),
      ),
    ];
    await outbox.enqueue(messages);
    const records = await outbox.store.claim('consent', 100, 60_000, clock.now(), KNOWN_KINDS);
    const before = (await outbox.emu.inspect()).requests.bulk_subscribe_profiles ?? 0;
    const client = outbox.client();
    const outcomes = await deliverAll(client, records, new Map(), roundControl(undefined, clock.now));
    // One email job; the SMS job refused for '+12', then sent again without it.
    expect(((await outbox.emu.inspect()).requests.bulk_subscribe_profiles ?? 0) - before).toBe(3);
    for (const r of records) {
      const outcome = outcomes.get(r.id);
      if (r.kind === 'consent' && r.payload.profile.phone_number === '+12') {
        expect(outcome).toMatchObject({ kind: 'failed', error: { status: 400 } });
        continue;
      }
      expect(outcome).toEqual({ kind: 'delivered', settles: { untilMs: clock.now() + CONSENT_SETTLE_MS } });
    }
    const log = (await outbox.emu.inspect()).log as {
      operation: string;
      payload: { profiles: { data: unknown[] } };
    }[];
    const jobs = log
      .filter((l) => l.operation === 'bulk_subscribe_profiles')
      .map((l) => l.payload.profiles.data);
    expect(jobs.map((profiles) => profiles.length).sort()).toEqual([2, 3]);
  });
});

describe('when a profile write may ride on an event', () => {
  it('needs every identifier the write carries on the event, with the same value', () => {
    expect(sameIdentity({ email: 'Ann@Example.com' }, { email: 'ann@example.com', _kx: 'k.ABC123' })).toBe(
      true,
    );
    expect(sameIdentity({ email: 'ann@example.com', _kx: 'k.ABC123' }, { email: 'ann@example.com' })).toBe(
      false,
    );
    expect(
      sameIdentity(
        { email: 'ann@example.com', phone_number: '+12025550199' },
        { email: 'ann@example.com', phone_number: '+12025550101' },
      ),
    ).toBe(false);
    expect(sameIdentity({ external_id: 'c1' }, { email: 'ann@example.com', external_id: 'c2' })).toBe(false);
    expect(sameIdentity({ first_name: 'Ann' }, { email: 'ann@example.com' })).toBe(false);
  });
});
