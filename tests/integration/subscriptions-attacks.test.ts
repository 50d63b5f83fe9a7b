import sql from 'sql-template-tag';
import { beforeEach, describe, expect, it, vi } from 'vitest';
import {
  cancelSubscription,
  chargeSubscription,
  pauseSubscription,
  resumeSubscription,
} from '../../app/(admin)/admin/(dashboard)/subscriptions/actions.js';
import {
  cancelMySubscription,
  pauseMySubscription,
  resumeMySubscription,
  subscribeToPlan,
} from '../../app/(store)/subscriptions/actions.js';
import { SHOPPER_SESSION_COOKIE } from '../../lib/store/cookies.js';
import {
  NEXT_AUTH_COOKIE as ADMIN_COOKIE,
  adminSession,
  jar,
  notMerchants,
} from '../support/action-request.js';
import { withTestApp } from '../support/app-under-test.js';
import { countRows, type TestStoreDeps, testStoreDeps } from '../support/store-fixtures.js';
import { subscriber, subscriptionRow, teeSubscription } from '../support/subscription-fixtures.js';

// The app's composition root, built by the same factories over this file's test database.
vi.mock('../../lib/app/index.js', async () => (await import('../support/app-under-test.js')).appModule);

/**
 * The subscription server actions played by someone else: the admin's without a merchant session (no
 * cookie, a made-up one, a session signed with the once-published secret, a signed-in non-merchant,
 * an expired merchant), the shopper's with no session, a made-up session, or another shopper's. Each
 * refusal changes nothing and enqueues nothing; a real merchant and the owner are the controls.
 */
vi.mock('next/headers', async () => (await import('../support/action-request.js')).nextHeaders);

let deps: TestStoreDeps;
withTestApp(testStoreDeps, (fresh) => {
  deps = fresh;
});
beforeEach(() => jar.clear());

let n = 0;
const fresh = async () => {
  const owner = await subscriber(deps, `owner${++n}@example.com`);
  return { owner, id: await teeSubscription(deps, owner.customerId) };
};

describe('admin subscription actions without a merchant session', () => {
  it.each(notMerchants)(
    'refuses charge, pause, resume and cancel with %s, changing nothing',
    async (_name, cookie) => {
      const { id } = await fresh();
      const value = await cookie();
      if (value) jar.set(ADMIN_COOKIE, value);
      const before = await countRows(deps.db, 'klaviyo_outbox');
      for (const action of [
        () => chargeSubscription({ subscriptionId: id, chargeNumber: 1 }),
        () => pauseSubscription({ subscriptionId: id }),
        () => resumeSubscription({ subscriptionId: id }),
        () => cancelSubscription({ subscriptionId: id }),
      ]) {
        expect(await action()).toMatchObject({
          ok: false,
          error: { message: expect.stringMatching(/merchant/) },
        });
      }
      expect(await countRows(deps.db, 'klaviyo_outbox')).toBe(before);
      expect(await subscriptionRow(deps.db, id)).toMatchObject({
        status: 'active',
        charges_count: 0,
        revision: 0,
      });
    },
  );

  it('refuses a shopper’s own session: charging is the merchant’s', async () => {
    const { owner, id } = await fresh();
    jar.set(SHOPPER_SESSION_COOKIE, owner.token);
    expect(await chargeSubscription({ subscriptionId: id, chargeNumber: 1 })).toMatchObject({ ok: false });
    expect(await cancelSubscription({ subscriptionId: id })).toMatchObject({ ok: false });
    expect(await subscriptionRow(deps.db, id)).toMatchObject({ status: 'active', charges_count: 0 });
  });

  it('runs for a merchant session: charge, pause, resume, cancel', async () => {
    const { id } = await fresh();
    jar.set(ADMIN_COOKIE, await adminSession({ role: 'merchant' }));
    expect(await chargeSubscription({ subscriptionId: id, chargeNumber: 1 })).toMatchObject({ ok: true });
    // A replayed charge (the same body again) is one charge.
    expect(await chargeSubscription({ subscriptionId: id, chargeNumber: 1 })).toMatchObject({
      ok: false,
      error: { field: 'chargeNumber' },
    });
    expect(await pauseSubscription({ subscriptionId: id })).toMatchObject({ ok: true });
    expect(await resumeSubscription({ subscriptionId: id })).toMatchObject({ ok: true });
    expect(await cancelSubscription({ subscriptionId: id })).toMatchObject({ ok: true });
    expect(await subscriptionRow(deps.db, id)).toMatchObject({ status: 'cancelled', charges_count: 1 });
  });
});

describe('shopper subscription actions', () => {
  const TEE = { planId: 'tee-quarterly', variantId: 'organic-cotton-tee-m' };

  it('refuses to subscribe without a session or with a made-up one', async () => {
    const before = await countRows(deps.db, 'store_subscriptions');
    expect(await subscribeToPlan(TEE)).toMatchObject({ ok: false, error: { code: 'unauthenticated' } });
    jar.set(SHOPPER_SESSION_COOKIE, 'A'.repeat(43));
    expect(await subscribeToPlan(TEE)).toMatchObject({ ok: false, error: { code: 'unauthenticated' } });
    jar.set(SHOPPER_SESSION_COOKIE, 'not even the shape of a token');
    expect(await subscribeToPlan(TEE)).toMatchObject({ ok: false, error: { code: 'unauthenticated' } });
    expect(await countRows(deps.db, 'store_subscriptions')).toBe(before);
  });

  it('subscribes the session’s shopper only: a typed email or customer id is refused, not obeyed', async () => {
    const { owner } = await fresh();
    const other = await subscriber(deps, `victim${++n}@example.com`);
    jar.set(SHOPPER_SESSION_COOKIE, owner.token);
    expect(await subscribeToPlan({ ...TEE, email: other.email })).toMatchObject({
      ok: false,
      error: { field: 'email' },
    });
    expect(await subscribeToPlan({ ...TEE, customerId: other.customerId })).toMatchObject({
      ok: false,
      error: { field: 'customerId' },
    });
    const started = await subscribeToPlan(TEE);
    expect(started).toMatchObject({ ok: true });
    const id = started.ok ? started.data.subscriptionId : '';
    const [row] = await deps.db.query<{ customer_id: string }>(
      sql`SELECT customer_id FROM store_subscriptions WHERE id = ${id}`,
    );
    expect(row?.customer_id).toBe(owner.customerId);
  });

  it('never lets one shopper pause, resume or cancel another’s subscription', async () => {
    const { owner, id } = await fresh();
    const other = await subscriber(deps, `mallory${++n}@example.com`);
    jar.set(SHOPPER_SESSION_COOKIE, other.token);
    const before = await countRows(deps.db, 'klaviyo_outbox');
    for (const action of [pauseMySubscription, resumeMySubscription, cancelMySubscription]) {
      expect(await action({ subscriptionId: id })).toEqual({
        ok: false,
        error: { field: 'subscriptionId', message: 'No such subscription.' },
      });
    }
    expect(await countRows(deps.db, 'klaviyo_outbox')).toBe(before);
    expect(await subscriptionRow(deps.db, id)).toMatchObject({ status: 'active', revision: 0 });

    jar.set(SHOPPER_SESSION_COOKIE, owner.token);
    expect(await pauseMySubscription({ subscriptionId: id })).toMatchObject({ ok: true });
    expect(await resumeMySubscription({ subscriptionId: id })).toMatchObject({ ok: true });
    expect(await cancelMySubscription({ subscriptionId: id })).toMatchObject({ ok: true });
  });

  it('limits one account’s changes (each is an event and a profile write); another account is untouched', async () => {
    const { owner, id } = await fresh();
    jar.set(SHOPPER_SESSION_COOKIE, owner.token);
    // 20 at once: the subscribe above went around the actions, so all 20 are pause and resume.
    for (let i = 0; i < 20; i++) {
      const action = i % 2 === 0 ? pauseMySubscription : resumeMySubscription;
      expect(await action({ subscriptionId: id })).toMatchObject({ ok: true });
    }
    const before = await countRows(deps.db, 'klaviyo_outbox');
    expect(await pauseMySubscription({ subscriptionId: id })).toEqual({
      ok: false,
      error: { code: 'rate_limited', message: 'Too many subscription changes; try again in a minute.' },
    });
    expect(await subscribeToPlan(TEE)).toMatchObject({ ok: false, error: { code: 'rate_limited' } });
    expect(await countRows(deps.db, 'klaviyo_outbox')).toBe(before);
    expect(await subscriptionRow(deps.db, id)).toMatchObject({ status: 'active', revision: 20 });

    const other = await subscriber(deps, `other${++n}@example.com`);
    jar.set(SHOPPER_SESSION_COOKIE, other.token);
    expect(await subscribeToPlan(TEE)).toMatchObject({ ok: true });
  });
});
