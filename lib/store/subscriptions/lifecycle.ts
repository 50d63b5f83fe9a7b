import 'server-only';
import sql from 'sql-template-tag';
import { buildIdentity } from '../../klaviyo-next/events/identity';
import { fieldErrorOf } from '../../klaviyo-next/http/field-error';
import { subscriptionMessages } from '../../klaviyo-next/outbox/subscription-messages';
import type { OutboxMessage } from '../../klaviyo-next/outbox/types';
import type { SqlExecutor } from '../../klaviyo-next/sql/types';
import type { StoreDeps } from '../deps';
import { formInput } from '../form-input';
import { sellableVariant } from '../products/current';
import { type ActionResult, asResult, StoreError } from '../result';
import { changeInput, chargeInput, subscribeInput } from './input';
import { nextPeriod, planById, recurringCents } from './plans';
import {
  lockSubscription,
  nextSubscriptionId,
  type SubscriptionRecord,
  subscriptionSnapshot,
} from './records';

/**
 * What the subscription use-cases need of the store: its database and outbox, a clock, and the
 * delivery trigger (the billing script runs them with only these).
 */
export type SubscriptionDeps = Pick<StoreDeps, 'db' | 'outbox' | 'now' | 'scheduleDelivery'>;

/** A shopper holds at most this many active or paused subscriptions (a cap on what one account can start). */
export const MAX_OPEN_SUBSCRIPTIONS = 10;

/** Who is acting: the merchant (any subscription) or a signed-in shopper (her own only). */
export type Actor = { kind: 'merchant' } | { kind: 'shopper'; customerId: string };

/** The profile a subscription's events go to: its customer's proven email and names, never a phone. */
const identityOf = (row: SubscriptionRecord) =>
  buildIdentity({
    email: row.email,
    ...(row.first_name ? { firstName: row.first_name } : {}),
    ...(row.last_name ? { lastName: row.last_name } : {}),
  }).identity;

const iso = (ms: number) => new Date(ms).toISOString();

/** Runs one change in a transaction with its outbox messages; delivery is scheduled after the commit. */
async function inTransaction<T>(
  deps: SubscriptionDeps,
  change: (tx: SqlExecutor, now: number) => Promise<{ data: T; messages: OutboxMessage[] }>,
): Promise<ActionResult<T>> {
  const result = await asResult(() =>
    deps.db.transaction(async (tx) => {
      const now = deps.now();
      const { data, messages } = await change(tx, now);
      await deps.outbox.enqueue(tx, messages, now);
      return data;
    }),
  );
  if (result.ok) deps.scheduleDelivery();
  return result;
}

/**
 * The locked subscription the actor may change. Another shopper's subscription is answered exactly
 * as a missing one, so a shopper cannot learn which numbers exist.
 */
async function lockFor(tx: SqlExecutor, actor: Actor, id: string, now: number) {
  const row = await lockSubscription(tx, id, now);
  if (!row || (actor.kind === 'shopper' && row.customer_id !== actor.customerId))
    throw new StoreError('No such subscription.', 'subscriptionId');
  return row;
}

/**
 * A signed-in shopper subscribes to a plan for a variant of its product. The price comes from the
 * catalog at the plan's discount; the first charge is due one period from now (the first delivery
 * goes with the billing run then). Records Subscription Started and the profile's subscription
 * properties in the same transaction.
 */
export async function subscribe(
  deps: SubscriptionDeps,
  customerId: string,
  input: unknown,
): Promise<ActionResult<{ subscriptionId: string }>> {
  const parsed = subscribeInput.safeParse(formInput(input));
  if (!parsed.success) return { ok: false, error: fieldErrorOf(parsed.error) };
  const form = parsed.data;
  const plan = planById(form.planId);
  if (!plan) return { ok: false, error: { field: 'planId', message: 'No such plan.' } };
  const found = await sellableVariant(deps.db, form.variantId);
  if (!found || found.product.id !== plan.productId)
    return { ok: false, error: { field: 'variantId', message: `${form.variantId} is not on this plan.` } };
  return inTransaction(deps, async (tx, now) => {
    // Her customer row first: two subscribes of hers run one after the other, so the cap holds.
    await tx.query(sql`UPDATE store_customers SET updated_at = ${now} WHERE id = ${customerId}`);
    const [held] = await tx.query<{ n: number }>(
      sql`SELECT COUNT(*) AS n FROM store_subscriptions WHERE customer_id = ${customerId} AND status <> 'cancelled'`,
    );
    if (Number(held?.n ?? 0) >= MAX_OPEN_SUBSCRIPTIONS) {
      throw new StoreError(
        `You already have ${MAX_OPEN_SUBSCRIPTIONS} subscriptions; cancel one to start another.`,
        'planId',
      );
    }
    const id = await nextSubscriptionId(tx);
    const cents = recurringCents(plan, found.variant.priceCents, form.quantity);
    await tx.query(
      sql`INSERT INTO store_subscriptions (id, customer_id, plan_id, variant_id, quantity, recurring_cents, currency,
            status, started_at, next_charge_at, updated_at)
          VALUES (${id}, ${customerId}, ${plan.id}, ${found.variant.id}, ${form.quantity}, ${cents}, 'USD',
            'active', ${now}, ${nextPeriod(now, plan)}, ${now})`,
    );
    const row = await lockSubscription(tx, id, now);
    if (!row) throw new Error(`${id} vanished in its own transaction`);
    return {
      data: { subscriptionId: id },
      messages: subscriptionMessages.started(subscriptionSnapshot(row), identityOf(row)),
    };
  });
}

/** Pauses an active subscription: no charge is due until it is resumed. */
export async function pauseSubscription(
  deps: SubscriptionDeps,
  actor: Actor,
  input: unknown,
): Promise<ActionResult<{ status: 'paused' }>> {
  const parsed = changeInput.safeParse(formInput(input));
  if (!parsed.success) return { ok: false, error: fieldErrorOf(parsed.error) };
  const form = parsed.data;
  return inTransaction(deps, async (tx, now) => {
    const row = await lockFor(tx, actor, form.subscriptionId, now);
    if (row.status !== 'active') throw new StoreError(`${row.id} is ${row.status}.`, 'subscriptionId');
    const revision = row.revision + 1;
    await tx.query(
      sql`UPDATE store_subscriptions SET status = 'paused', next_charge_at = NULL, revision = ${revision} WHERE id = ${row.id}`,
    );
    const after = { ...row, status: 'paused' as const, next_charge_at: null, revision };
    const change = { changeId: revision, at: iso(now), ...(form.reason ? { reason: form.reason } : {}) };
    return {
      data: { status: 'paused' as const },
      messages: subscriptionMessages.paused(subscriptionSnapshot(after), change, identityOf(row)),
    };
  });
}

/** Resumes a paused subscription; its next charge is one period from now. */
export async function resumeSubscription(
  deps: SubscriptionDeps,
  actor: Actor,
  input: unknown,
): Promise<ActionResult<{ status: 'active'; nextChargeAt: string }>> {
  const parsed = changeInput.safeParse(formInput(input));
  if (!parsed.success) return { ok: false, error: fieldErrorOf(parsed.error) };
  const form = parsed.data;
  return inTransaction(deps, async (tx, now) => {
    const row = await lockFor(tx, actor, form.subscriptionId, now);
    if (row.status !== 'paused') throw new StoreError(`${row.id} is ${row.status}.`, 'subscriptionId');
    const plan = planById(row.plan_id);
    if (!plan) throw new StoreError(`${row.id}'s plan is no longer offered.`, 'subscriptionId');
    const revision = row.revision + 1;
    const next = nextPeriod(now, plan);
    await tx.query(
      sql`UPDATE store_subscriptions SET status = 'active', next_charge_at = ${next}, revision = ${revision} WHERE id = ${row.id}`,
    );
    const after = { ...row, status: 'active' as const, next_charge_at: next, revision };
    const change = { changeId: revision, at: iso(now), ...(form.reason ? { reason: form.reason } : {}) };
    return {
      data: { status: 'active' as const, nextChargeAt: iso(next) },
      messages: subscriptionMessages.resumed(subscriptionSnapshot(after), change, identityOf(row)),
    };
  });
}

/** Cancels an active or paused subscription, for good: cancelling twice is refused, so the event is recorded once. */
export async function cancelSubscription(
  deps: SubscriptionDeps,
  actor: Actor,
  input: unknown,
): Promise<ActionResult<{ status: 'cancelled' }>> {
  const parsed = changeInput.safeParse(formInput(input));
  if (!parsed.success) return { ok: false, error: fieldErrorOf(parsed.error) };
  const form = parsed.data;
  return inTransaction(deps, async (tx, now) => {
    const row = await lockFor(tx, actor, form.subscriptionId, now);
    if (row.status === 'cancelled') throw new StoreError(`${row.id} is already cancelled.`, 'subscriptionId');
    const revision = row.revision + 1;
    await tx.query(
      sql`UPDATE store_subscriptions SET status = 'cancelled', next_charge_at = NULL, revision = ${revision},
            cancelled_at = ${now}, cancel_reason = ${form.reason ?? null} WHERE id = ${row.id}`,
    );
    const after = { ...row, status: 'cancelled' as const, next_charge_at: null, revision };
    const cancellation = { at: iso(now), ...(form.reason ? { reason: form.reason } : {}) };
    return {
      data: { status: 'cancelled' as const },
      messages: subscriptionMessages.cancelled(subscriptionSnapshot(after), cancellation, identityOf(row)),
    };
  });
}

/**
 * Charges one period of an active subscription (the merchant's "Charge now", or the billing run for
 * a due subscription): records charge `chargeNumber`, moves the next charge on one period, and
 * records Subscription Renewed valued at the amount charged. `chargeNumber` must be the next one, so
 * a double submit, a retried billing run or two racing charges make one charge; a paused or
 * cancelled subscription is not charged. The demo takes no payment and ships nothing: a real
 * platform would charge its payment provider here and create the period's order.
 */
export async function chargeSubscription(
  deps: SubscriptionDeps,
  input: unknown,
): Promise<ActionResult<{ chargeId: string; chargeNumber: number; nextChargeAt: string }>> {
  const parsed = chargeInput.safeParse(formInput(input));
  if (!parsed.success) return { ok: false, error: fieldErrorOf(parsed.error) };
  const form = parsed.data;
  return inTransaction(deps, async (tx, now) => {
    const row = await lockFor(tx, { kind: 'merchant' }, form.subscriptionId, now);
    if (row.status !== 'active' || row.next_charge_at === null)
      throw new StoreError(
        `${row.id} is ${row.status}; only an active subscription is charged.`,
        'subscriptionId',
      );
    const number = row.charges_count + 1;
    if (form.chargeNumber !== number) {
      throw new StoreError(
        form.chargeNumber < number
          ? `Charge ${form.chargeNumber} of ${row.id} has already been made.`
          : `The next charge of ${row.id} is number ${number}.`,
        'chargeNumber',
      );
    }
    const plan = planById(row.plan_id);
    if (!plan) throw new StoreError(`${row.id}'s plan is no longer offered.`, 'subscriptionId');
    const chargeId = `${row.id}-C${number}`;
    // The next period runs from the later of the due date and now: charging early (Charge now)
    // brings the schedule forward, and a late billing run does not charge the missed periods at once.
    const next = nextPeriod(Math.max(now, row.next_charge_at), plan);
    await tx.query(
      sql`INSERT INTO store_subscription_charges (id, subscription_id, number, amount_cents, period_due_at, charged_at)
          VALUES (${chargeId}, ${row.id}, ${number}, ${row.recurring_cents}, ${row.next_charge_at}, ${now})`,
    );
    await tx.query(
      sql`UPDATE store_subscriptions SET charges_count = ${number}, next_charge_at = ${next} WHERE id = ${row.id}`,
    );
    const after = { ...row, charges_count: number, next_charge_at: next };
    const charge = { chargeId, chargedAt: iso(now), amountCents: row.recurring_cents, chargeNumber: number };
    return {
      data: { chargeId, chargeNumber: number, nextChargeAt: iso(next) },
      messages: subscriptionMessages.renewed(subscriptionSnapshot(after), charge, identityOf(row)),
    };
  });
}

/**
 * The billing run: charges every active subscription whose next charge is due, each in its own
 * transaction (one failure does not hold back the others). Run again after a crash, it charges only
 * what is still due.
 */
export async function chargeDueSubscriptions(
  deps: SubscriptionDeps,
  limit = 500,
): Promise<{ charged: string[]; refused: { subscriptionId: string; message: string }[] }> {
  const due = await deps.db.query<{ id: string; charges_count: number }>(
    sql`SELECT id, charges_count FROM store_subscriptions
        WHERE status = 'active' AND next_charge_at <= ${deps.now()} ORDER BY next_charge_at, id LIMIT ${limit}`,
  );
  const charged: string[] = [];
  const refused: { subscriptionId: string; message: string }[] = [];
  for (const row of due) {
    const result = await chargeSubscription(deps, {
      subscriptionId: row.id,
      chargeNumber: Number(row.charges_count) + 1,
    });
    if (result.ok) charged.push(result.data.chargeId);
    else refused.push({ subscriptionId: row.id, message: result.error.message });
  }
  return { charged, refused };
}
