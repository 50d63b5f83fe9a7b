import sql, { raw } from 'sql-template-tag';
import { beforeAll, describe, expect, it } from 'vitest';
import { createKlaviyoNext } from '../../lib/klaviyo-next/index.js';
import type { SqlDatabase } from '../../lib/klaviyo-next/sql/types.js';
import { consentOf } from '../../lib/store/customer-consent.js';
import { storeConsentSink } from '../../lib/store/customer-consent-sink.js';
import { placeOrder } from '../../lib/store/orders/place-order.js';
import { freshSqlite } from '../support/databases.js';
import { type TestEmulator, withEmulator } from '../support/emulator.js';
import { klaviyoFor } from '../support/klaviyo.js';
import { emulatorEnv } from '../support/ops-fixtures.js';
import {
  cartWith,
  checkoutForm,
  outboxMessages,
  type TestStoreDeps,
  testStoreDeps,
} from '../support/store-fixtures.js';

/**
 * The acceptance, store side, at the emulator: she unsubscribes at Klaviyo and the store's
 * record follows (through the sink, as the webhook receiver calls it); a later checkout without the
 * consent box leaves her unsubscribed, in the store and at Klaviyo (no subscribe job names her); one
 * with the box ticked is a new explicit consent: recorded, sent, and Klaviyo has her subscribed.
 */
const TEE = 'organic-cotton-tee-m';

let emu: TestEmulator;
withEmulator({ rateLimits: false }, (started) => {
  emu = started;
});

let db: SqlDatabase;
let deps: TestStoreDeps;
let klaviyo: ReturnType<typeof createKlaviyoNext>;
const clock = { offset: 0 };
beforeAll(async () => {
  db = await freshSqlite();
  deps = testStoreDeps(db);
  // The emulator's account has no list of the fixtures' id: consent goes without one (the account's
  // default opt-in), which is all this test is about.
  deps.newsletterListId = undefined;
  klaviyo = createKlaviyoNext({
    env: emulatorEnv(emu),
    sql: db,
    now: () => Date.now() + clock.offset,
    log: () => {},
  });
});

/** Delivers everything due, moving the plugin's clock past backoffs and consent fences. */
async function deliverAll() {
  for (let i = 0; i < 50; i++) {
    await klaviyo.drain();
    const [row] = await db.query<{ n: number }>(
      raw(`SELECT COUNT(*) AS n FROM klaviyo_outbox WHERE state IN ('pending', 'retrying')`),
    );
    if (Number(row?.n) === 0) return emu.settle();
    clock.offset += 60_000;
  }
  throw new Error('the outbox did not drain');
}

async function emailConsentAtKlaviyo(email: string): Promise<string | undefined> {
  const filter = encodeURIComponent(`equals(email,"${email}")`);
  const { body } = await emu.api(`/api/profiles?filter=${filter}&additional-fields[profile]=subscriptions`);
  return body.data[0]?.attributes.subscriptions?.email?.marketing?.consent;
}

/** How many bulk subscribe jobs the emulator was sent that name this email. */
async function subscribeJobsNaming(email: string): Promise<number> {
  const log = (await emu.inspect()).log as { operation: string; payload: unknown }[];
  return log.filter(
    (l) => l.operation === 'bulk_subscribe_profiles' && JSON.stringify(l.payload).includes(email),
  ).length;
}

async function checkout(email: string, marketing: Record<string, string>) {
  const placed = await placeOrder(deps, checkoutForm(await cartWith(deps, [[TEE, 1]]), { email, marketing }));
  if (!placed.ok) throw new Error(placed.error.message);
  return placed.data.orderId;
}

const customerId = async (email: string) =>
  (await db.query<{ id: string }>(sql`SELECT id FROM store_customers WHERE email = ${email}`))[0]?.id ?? '';

describe('consent across checkouts and a Klaviyo unsubscribe', () => {
  const email = `ada.${process.pid}@example.com`;

  it('a checkout with the box ticked records her consent and subscribes her at Klaviyo', async () => {
    await checkout(email, { email: 'email-2026-07' });
    expect((await consentOf(db, await customerId(email))).email).toMatchObject({
      status: 'subscribed',
      source: 'checkout',
      address: email,
    });
    await deliverAll();
    expect(await emailConsentAtKlaviyo(email)).toBe('SUBSCRIBED');
  });

  it('her unsubscribe at Klaviyo reaches her record', async () => {
    await klaviyoFor(emu).subscriptions.unsubscribe([{ email }]);
    await emu.settle();
    expect(await emailConsentAtKlaviyo(email)).toBe('UNSUBSCRIBED');
    // What the webhook receiver hands the store for it (the end-to-end path: store-consent-webhook.test.ts).
    await storeConsentSink(deps)({
      externalId: `unsub-${process.pid}`,
      topic: 'event:klaviyo.unsubscribed_from_email_marketing',
      channel: 'email',
      status: 'unsubscribed',
      email,
      at: new Date(deps.now()).toISOString(),
    });
    expect((await consentOf(db, await customerId(email))).email).toMatchObject({
      status: 'unsubscribed',
      source: 'klaviyo',
    });
  });

  it('a checkout without the box leaves her unsubscribed: no subscribe sent, her record as it was', async () => {
    const jobsBefore = await subscribeJobsNaming(email);
    const before = (await consentOf(db, await customerId(email))).email;
    const orderId = await checkout(email, {});
    const consent = (await outboxMessages(db)).filter(
      (m) => m.kind === 'consent' && m.payload.profile.email === email,
    );
    expect(consent).toHaveLength(1); // the first checkout's, nothing new
    expect((await consentOf(db, await customerId(email))).email).toEqual(before);
    await deliverAll();
    expect(await subscribeJobsNaming(email)).toBe(jobsBefore);
    expect(await emailConsentAtKlaviyo(email)).toBe('UNSUBSCRIBED');
    // The order itself went: she is still a customer, only not a subscriber.
    const placed = (await emu.inspect('?events=full&metric=Placed%20Order')).events as {
      properties: { OrderId?: string };
    }[];
    expect(placed.some((e) => e.properties.OrderId === orderId)).toBe(true);
  });

  it('a checkout with the box ticked again is a new consent: recorded, sent, and she is subscribed', async () => {
    const jobsBefore = await subscribeJobsNaming(email);
    await checkout(email, { email: 'email-2026-07' });
    expect((await consentOf(db, await customerId(email))).email).toMatchObject({
      status: 'subscribed',
      source: 'checkout',
    });
    await deliverAll();
    expect(await subscribeJobsNaming(email)).toBe(jobsBefore + 1);
    expect(await emailConsentAtKlaviyo(email)).toBe('SUBSCRIBED');
  });
});
