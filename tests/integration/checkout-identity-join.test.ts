import { expect, it } from 'vitest';
import type { ConsentChange } from '../../lib/klaviyo-next/events/consent.js';
import type { ProfileUpdate } from '../../lib/klaviyo-next/outbox/types.js';
import { placeOrder } from '../../lib/store/orders/place-order.js';
import {
  cartWith,
  checkoutForm,
  onBothDatabases,
  outboxMessages,
  testStoreDeps,
} from '../support/store-fixtures.js';

/**
 * A guest checkout proves nothing about the email or the phone typed into it. An attacker who types a
 * stranger's email and their own phone, ticking SMS, must not get their phone onto her profile by the
 * checkout's profile write or consent record: consent is per identifier, and the profile write names
 * the order's email only.
 */
onBothDatabases('guest checkout', (db) => {
  it('never joins the typed phone to the typed email in an event, the profile write or a consent record', async () => {
    const d = testStoreDeps(db());
    const form = checkoutForm(await cartWith(d, [['organic-cotton-tee-m', 1]]), {
      email: 'stranger@example.com',
      phone: '+1 415 555 0166',
    });
    const placed = await placeOrder(d, form, async () => ({ exchangeId: 'browser.DEMO01' }));
    if (!placed.ok) throw new Error(placed.error.message);
    const messages = await outboxMessages(d.db);
    const profile = messages.find((m) => m.key === `profile:order:${placed.data.orderId}`)
      ?.payload as ProfileUpdate;
    expect(profile.profile.phone_number).toBeUndefined();
    expect(profile.profile.email).toBe('stranger@example.com');
    // Nor do the order's events: an event's profile is an upsert too, and would set the typed phone
    // on her profile, where a later phone-only SMS sign-up would find it.
    const events = messages.flatMap((m) => (m.kind === 'event' ? [m.payload] : []));
    expect(events.length).toBeGreaterThan(0);
    for (const event of events) {
      expect(event.profile.phone_number, event.metric).toBeUndefined();
      expect(event.profile.email).toBe('stranger@example.com');
    }
    const consents = messages.flatMap((m) => (m.kind === 'consent' ? [m.payload as ConsentChange] : []));
    expect(consents.map((c) => [c.channel, c.profile])).toEqual([
      ['email', { email: 'stranger@example.com' }],
      ['sms', { phone_number: '+14155550166' }],
    ]);
  });
});
