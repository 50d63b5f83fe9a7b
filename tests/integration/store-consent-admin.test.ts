import sql from 'sql-template-tag';
import { beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { unsubscribeCustomerAction } from '../../app/(admin)/admin/(dashboard)/customers/actions.js';
import type { ConsentChange as OutgoingConsent } from '../../lib/klaviyo-next/events/consent.js';
import type { SqlDatabase } from '../../lib/klaviyo-next/sql/types.js';
import { CONSENT_DISCLOSURES } from '../../lib/store/consent-disclosures.js';
import { consentOf } from '../../lib/store/customer-consent.js';
import { searchCustomers, unsubscribeCustomer } from '../../lib/store/customer-consent-admin.js';
import { eraseCustomer } from '../../lib/store/erasure.js';
import { placeOrder } from '../../lib/store/orders/place-order.js';
import { adminSession, NEXT_AUTH_COOKIE as COOKIE, jar, redirectOf } from '../support/action-request.js';
import { withTestApp } from '../support/app-under-test.js';
import {
  cartWith,
  checkoutForm,
  onBothDatabases,
  outboxMessages,
  type TestStoreDeps,
  testStoreDeps,
} from '../support/store-fixtures.js';

// The app's composition root, built by the same factories over this file's test database.
vi.mock('../../lib/app/index.js', async () => (await import('../support/app-under-test.js')).appModule);

/**
 * The admin customers page's Unsubscribe, a public POST endpoint like every server action: only a
 * merchant's next-auth session runs it. Played with no cookie, a made-up one, a session signed with
 * another secret and a signed-in session without the merchant role; then the merchant's, whose
 * unsubscribe is recorded and goes to Klaviyo through the outbox.
 */
vi.mock('next/headers', async () => (await import('../support/action-request.js')).nextHeaders);
vi.mock('next/navigation', async () => (await import('../support/action-request.js')).nextNavigation);
vi.mock('next/cache', () => ({ revalidatePath: () => {} }));

let db: SqlDatabase;
let deps: TestStoreDeps;
withTestApp(testStoreDeps, (fresh) => {
  deps = fresh;
  db = fresh.db;
});
beforeEach(() => jar.clear());

const TEE = 'organic-cotton-tee-m';
let n = 0;
async function customerWithConsent(phone?: string) {
  const email = `cust.${process.pid}.${n++}@example.com`;
  const marketing = {
    email: CONSENT_DISCLOSURES.email.version,
    ...(phone ? { sms: CONSENT_DISCLOSURES.sms.version } : {}),
  };
  const placed = await placeOrder(
    deps,
    checkoutForm(await cartWith(deps, [[TEE, 1]]), { email, phone: phone ?? '', marketing }),
  );
  if (!placed.ok) throw new Error(placed.error.message);
  const [row] = await db.query<{ id: string }>(sql`SELECT id FROM store_customers WHERE email = ${email}`);
  return { email, id: row?.id ?? '' };
}

async function post(fields: Record<string, string>): Promise<string> {
  const form = new FormData();
  for (const [k, v] of Object.entries(fields)) form.append(k, v);
  return redirectOf(() => unsubscribeCustomerAction(form));
}

const consentFor = async (email: string): Promise<OutgoingConsent[]> =>
  (await outboxMessages(db)).flatMap((m) =>
    m.kind === 'consent' && m.payload.profile.email === email ? [m.payload] : [],
  );

let ada: { email: string; id: string };
beforeAll(async () => {
  ada = await customerWithConsent();
});

describe('admin unsubscribe without a merchant session', () => {
  it.each([
    ['no cookie', async () => undefined, 'unauthenticated'],
    ['a made-up cookie', async () => 'forged', 'unauthenticated'],
    [
      'a merchant session signed with another secret',
      () => adminSession({ role: 'merchant' }, { secret: 'another-secret-another-secret-another-secret' }),
      'unauthenticated',
    ],
    ['a signed-in session without the merchant role', () => adminSession({}), 'forbidden'],
  ])(
    'with %s: refused with its code (form or object), nothing recorded or sent',
    async (_name, cookie, code) => {
      const value = await cookie();
      if (value) jar.set(COOKIE, value);
      const before = await outboxMessages(db);
      const record = await consentOf(db, ada.id);
      const form = new FormData();
      form.append('customerId', ada.id);
      form.append('channel', 'email');
      for (const input of [form, { customerId: ada.id, channel: 'email' }])
        expect(await unsubscribeCustomerAction(input)).toMatchObject({ ok: false, error: { code } });
      expect(await outboxMessages(db)).toEqual(before);
      expect(await consentOf(db, ada.id)).toEqual(record);
    },
  );
});

describe('admin unsubscribe by the merchant', () => {
  beforeEach(async () => {
    jar.set(COOKIE, await adminSession({ role: 'merchant' }));
  });

  it('records the unsubscribe on her and sends a global unsubscribe through the outbox', async () => {
    expect((await consentOf(db, ada.id)).email?.status).toBe('subscribed');
    expect(await post({ customerId: ada.id, channel: 'email', q: 'cust.' })).toBe(
      '/admin/customers?q=cust.&done=email',
    );
    expect((await consentOf(db, ada.id)).email).toMatchObject({ status: 'unsubscribed', source: 'admin' });
    const last = (await consentFor(ada.email)).at(-1);
    expect(last).toMatchObject({
      status: 'UNSUBSCRIBED',
      source: 'Store admin',
      profile: { email: ada.email },
    });
    expect(last?.listId).toBeUndefined();
  });

  it('names the field of a bad request, and a customer without a phone for SMS', async () => {
    expect(await post({ customerId: 'no-such-customer', channel: 'email' })).toBe(
      '/admin/customers?error=invalid',
    );
    expect(await post({ customerId: ada.id, channel: 'fax' })).toBe('/admin/customers?error=invalid');
    expect(await post({ customerId: ada.id, channel: 'sms' })).toBe('/admin/customers?error=no-phone');
    expect(await unsubscribeCustomer(deps, { customerId: ada.id, channel: 'fax' })).toMatchObject({
      ok: false,
      error: { field: 'channel' },
    });
    // Not the page's form (a client's JSON arguments): an answer naming the field, no redirect, no throw.
    expect(await unsubscribeCustomerAction({ bogus: true })).toMatchObject({ ok: false });
    expect(await unsubscribeCustomerAction({ customerId: ada.id, channel: 'fax' })).toMatchObject({
      ok: false,
      error: { field: 'channel' },
    });
  });

  it('unsubscribes the phone her SMS consent names', async () => {
    const bea = await customerWithConsent('(415) 555-0188');
    expect(await post({ customerId: bea.id, channel: 'sms' })).toBe('/admin/customers?done=sms');
    expect((await consentOf(db, bea.id)).sms).toMatchObject({
      status: 'unsubscribed',
      address: '+14155550188',
    });
    const sms = (await outboxMessages(db)).flatMap((m) =>
      m.kind === 'consent' && m.payload.profile.phone_number === '+14155550188' ? [m.payload] : [],
    );
    expect(sms.at(-1)).toMatchObject({
      status: 'UNSUBSCRIBED',
      channel: 'sms',
      profile: { phone_number: '+14155550188' },
    });
  });
});

describe('the customers list', () => {
  it('finds customers by part of the email, with their consent per channel; wildcards match themselves', async () => {
    const found = await searchCustomers(deps, ada.email.toUpperCase());
    expect(found.map((c) => c.email)).toEqual([ada.email]);
    expect(found[0]?.consent.email?.status).toBe('unsubscribed');
    expect(await searchCustomers(deps, '%')).toEqual([]);
    expect((await searchCustomers(deps, undefined)).length).toBeGreaterThan(1);
  });

  it('leaves out erased customers (their tombstones), and refuses to unsubscribe one', async () => {
    const gone = await customerWithConsent();
    expect((await searchCustomers(deps, gone.email)).map((c) => c.id)).toEqual([gone.id]);
    expect(await eraseCustomer(deps, gone.id, 'merchant')).toMatchObject({ ok: true });
    const listed = (await searchCustomers(deps, undefined)).map((c) => c.id);
    expect(listed).not.toContain(gone.id);
    expect(listed).toContain(ada.id);
    expect(await searchCustomers(deps, 'erased:')).toEqual([]);
    const before = await outboxMessages(db);
    expect(await unsubscribeCustomer(deps, { customerId: gone.id, channel: 'email' })).toMatchObject({
      ok: false,
      error: { field: 'customerId' },
    });
    expect(await outboxMessages(db)).toEqual(before);
  });
});

describe('an admin unsubscribe and a checkout consent for one customer interleaved', () => {
  it('leave her record and the last message sent to Klaviyo agreeing', async () => {
    const cara = await customerWithConsent();
    for (let round = 0; round < 2; round++) {
      const checkout = async () =>
        placeOrder(
          deps,
          checkoutForm(await cartWith(deps, [[TEE, 1]]), {
            email: cara.email,
            marketing: { email: CONSENT_DISCLOSURES.email.version },
          }),
        );
      const unsubscribe = () => unsubscribeCustomer(deps, { customerId: cara.id, channel: 'email' });
      const results = await Promise.all(
        round === 0 ? [checkout(), unsubscribe()] : [unsubscribe(), checkout()],
      );
      expect(results.every((r) => r.ok)).toBe(true);
      const recorded = (await consentOf(db, cara.id)).email?.status;
      const last = (await consentFor(cara.email)).at(-1)?.status;
      expect(last).toBe(recorded === 'subscribed' ? 'SUBSCRIBED' : 'UNSUBSCRIBED');
    }
  });
});

onBothDatabases('an admin unsubscribe racing a checkout consent and a preferences change', (database) => {
  it('never deadlocks, and what Klaviyo is told last is what her record says', async () => {
    const d = testStoreDeps(database());
    const { changeConsentInStore } = await import('../../lib/store/customer-consent-change.js');
    const email = `race.${process.pid}.${n++}@example.com`;
    const checkout = async () =>
      placeOrder(
        d,
        checkoutForm(await cartWith(d, [[TEE, 1]]), {
          email,
          marketing: { email: CONSENT_DISCLOSURES.email.version },
        }),
      );
    expect((await checkout()).ok).toBe(true);
    const [row] = await d.db.query<{ id: string }>(
      sql`SELECT id FROM store_customers WHERE email = ${email}`,
    );
    const id = row?.id ?? '';
    const subscribeFromPage = () =>
      d.db.transaction((tx) =>
        changeConsentInStore(
          tx,
          d,
          {
            customerId: id,
            channel: 'email',
            status: 'subscribed',
            source: 'preferences',
            address: email,
            disclosure: CONSENT_DISCLOSURES.email,
          },
          d.now(),
        ),
      );
    for (let round = 0; round < 4; round++) {
      const unsubscribe = () => unsubscribeCustomer(d, { customerId: id, channel: 'email' });
      const racers = [unsubscribe, checkout, subscribeFromPage];
      const ordered = round % 2 === 0 ? racers : [...racers].reverse();
      await Promise.all(ordered.map((run) => run()));
      const recorded = (await consentOf(d.db, id)).email?.status;
      const sent = (await outboxMessages(d.db)).flatMap((m) =>
        m.kind === 'consent' && m.payload.profile.email === email ? [m.payload.status] : [],
      );
      expect(sent.at(-1)).toBe(recorded === 'subscribed' ? 'SUBSCRIBED' : 'UNSUBSCRIBED');
    }
    // The page's search on this backend: part of the email, any case; LIKE's wildcards match themselves.
    const found = await searchCustomers(d, `RACE.${process.pid}`);
    expect(found.map((c) => [c.email, c.consent.email?.status])).toEqual([
      [email, (await consentOf(d.db, id)).email?.status],
    ]);
    expect(await searchCustomers(d, 'race_%')).toEqual([]);
  });
});
