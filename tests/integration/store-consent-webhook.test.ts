import sql, { raw } from 'sql-template-tag';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SqlDatabase } from '../../lib/klaviyo-next/sql/types.js';
import { CONSENT_TOPIC_IDS } from '../../lib/klaviyo-next/webhooks/consent-items.js';
import { CONSENT_DISCLOSURES } from '../../lib/store/consent-disclosures.js';
import { consentOf } from '../../lib/store/customer-consent.js';
import { storeConsentSink } from '../../lib/store/customer-consent-sink.js';
import { placeOrder } from '../../lib/store/orders/place-order.js';
import { freshSqlite } from '../support/databases.js';
import { type TestEmulator, withEmulator } from '../support/emulator.js';
import { cartWith, checkoutForm, type TestStoreDeps, testStoreDeps } from '../support/store-fixtures.js';
import {
  eventually,
  inboxRows,
  receiverInstance,
  registerWebhook,
  serveRoute,
  shopperAtKlaviyo,
} from '../support/webhook-fixtures.js';

/**
 * The acceptance end to end: the store's checkout subscribes her; she unsubscribes at Klaviyo
 * (the emulator's unsubscribe link, or STOP by text), and the signed webhook carries it through the
 * plugin's receiver and inbox to the store's record; a later checkout without the consent box leaves
 * her unsubscribed at the store and at Klaviyo; one with the box subscribes her again.
 */
const TEE = 'organic-cotton-tee-m';

let emu: TestEmulator;
withEmulator({ rateLimits: false, httpLoopbackWebhooks: true }, (started) => {
  emu = started;
});

let db: SqlDatabase;
let deps: TestStoreDeps;
let host: ReturnType<typeof receiverInstance>;
let route: Awaited<ReturnType<typeof serveRoute>>;

beforeAll(async () => {
  db = await freshSqlite();
  // The store's clock is the wall clock here, as Klaviyo's (the emulator's) is: which change is newer
  // is decided between the two.
  deps = Object.assign(testStoreDeps(db), { now: () => Date.now() });
  deps.newsletterListId = undefined;
  host = receiverInstance(emu, db, storeConsentSink(deps));
  route = await serveRoute((request) => host.klaviyo.routes.webhooks.POST(request));
  await registerWebhook(emu, route.url, CONSENT_TOPIC_IDS);
});
afterAll(async () => {
  await route?.stop();
  await db?.close();
});

/** Delivers the outbox (stepping the plugin's clock over consent fences, then back), then lets Klaviyo work. */
async function deliverAll() {
  for (let i = 0; i < 20; i++) {
    await host.klaviyo.drain();
    const [row] = await db.query<{ n: number }>(
      raw(`SELECT COUNT(*) AS n FROM klaviyo_outbox WHERE state IN ('pending', 'retrying')`),
    );
    if (Number(row?.n) === 0) break;
    host.clock.offset += 31_000;
  }
  // Back to real time: the receiver refuses a delivery whose timestamp is not within 5 minutes of it.
  host.clock.offset = 0;
  await emu.settle();
}

/** Waits until every webhook item has been handed to the store (the inbox has nothing pending). */
const webhooksApplied = () =>
  eventually(
    () => inboxRows(db),
    (rows) => rows.length > 0 && rows.every((r) => r.state !== 'pending'),
  );

async function checkout(email: string, marketing: Record<string, string>, phone = '') {
  const placed = await placeOrder(
    deps,
    checkoutForm(await cartWith(deps, [[TEE, 1]]), { email, phone, marketing }),
  );
  if (!placed.ok) throw new Error(placed.error.message);
}

const customerId = async (email: string) =>
  (await db.query<{ id: string }>(sql`SELECT id FROM store_customers WHERE email = ${email}`))[0]?.id ?? '';

async function consentAtKlaviyo(email: string) {
  const filter = encodeURIComponent(`equals(email,"${email}")`);
  const { body } = await emu.api(`/api/profiles?filter=${filter}&additional-fields[profile]=subscriptions`);
  return body.data[0]?.attributes.subscriptions?.email?.marketing?.consent as string | undefined;
}

async function subscribeJobsNaming(email: string): Promise<number> {
  const log = (await emu.inspect()).log as { operation: string; payload: unknown }[];
  return log.filter(
    (l) => l.operation === 'bulk_subscribe_profiles' && JSON.stringify(l.payload).includes(email),
  ).length;
}

describe('an unsubscribe at Klaviyo reaches the store through the signed webhook', () => {
  const email = `eve.${process.pid}@example.com`;

  it('her checkout consent subscribes her; her unsubscribe link at Klaviyo makes her record unsubscribed', async () => {
    await checkout(email, { email: CONSENT_DISCLOSURES.email.version });
    await deliverAll();
    expect(await consentAtKlaviyo(email)).toBe('SUBSCRIBED');

    const { eventsRecorded } = await shopperAtKlaviyo(emu, 'email-unsubscribe-link', { email });
    expect(eventsRecorded).toBe(1);
    await emu.settle();
    await webhooksApplied();
    const record = await eventually(
      async () => (await consentOf(db, await customerId(email))).email,
      (r) => r?.status === 'unsubscribed',
    );
    expect(record).toMatchObject({ status: 'unsubscribed', source: 'klaviyo', address: email });
  });

  it('a later checkout without consent leaves her unsubscribed, at the store and at Klaviyo', async () => {
    const jobs = await subscribeJobsNaming(email);
    const before = (await consentOf(db, await customerId(email))).email;
    await checkout(email, {});
    await deliverAll();
    expect(await subscribeJobsNaming(email)).toBe(jobs);
    expect(await consentAtKlaviyo(email)).toBe('UNSUBSCRIBED');
    expect((await consentOf(db, await customerId(email))).email).toEqual(before);
  });

  it('a checkout with consent subscribes her again, and Klaviyo reporting it back keeps her subscribed', async () => {
    await checkout(email, { email: CONSENT_DISCLOSURES.email.version });
    expect((await consentOf(db, await customerId(email))).email).toMatchObject({
      status: 'subscribed',
      source: 'checkout',
    });
    await deliverAll();
    expect(await consentAtKlaviyo(email)).toBe('SUBSCRIBED');
    await webhooksApplied();
    expect((await consentOf(db, await customerId(email))).email?.status).toBe('subscribed');
  });

  it('an SMS STOP at Klaviyo makes her SMS record unsubscribed', async () => {
    const sam = `sam.${process.pid}@example.com`;
    await checkout(sam, { sms: CONSENT_DISCLOSURES.sms.version }, '(415) 555-0199');
    await deliverAll();
    expect((await consentOf(db, await customerId(sam))).sms?.status).toBe('subscribed');
    await shopperAtKlaviyo(emu, 'sms-stop', { phoneNumber: '+14155550199' });
    await emu.settle();
    await webhooksApplied();
    const record = await eventually(
      async () => (await consentOf(db, await customerId(sam))).sms,
      (r) => r?.status === 'unsubscribed',
    );
    expect(record).toMatchObject({ source: 'klaviyo', address: '+14155550199' });
  });
});
