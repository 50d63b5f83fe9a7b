'use server';

import { cookies } from 'next/headers';
import { app } from '@/lib/app';
import { currentShopper } from '@/lib/store/accounts';
import { SHOPPER_SESSION_COOKIE } from '@/lib/store/cookies';
import type { ActionResult } from '@/lib/store/result';
import {
  cancelSubscription,
  pauseSubscription,
  resumeSubscription,
  subscribe,
} from '@/lib/store/subscriptions/lifecycle';

/*
 * A shopper's subscribe-and-save actions. Only a signed-in shopper (an account with a proven email)
 * subscribes, and only to her own profile: a checkout proves nothing about an email, and a standing
 * order is managed later by its owner. She pauses, resumes and cancels her own subscriptions only;
 * anyone else's number is answered as a missing one. Charging is the merchant's (admin) alone.
 */
const SIGN_IN: ActionResult<never> = {
  ok: false,
  error: { code: 'unauthenticated', message: 'Sign in to manage subscriptions.' },
};

/**
 * Each change records an event and a profile write, so a signed-in shopper's changes are limited per
 * account (the key is her customer id, which only her session names): a handful at once, then two a
 * minute; far above what managing a subscription needs.
 */
const CHANGES = { capacity: 20, perMinute: 2 };
const LIMITED: ActionResult<never> = {
  ok: false,
  error: { code: 'rate_limited', message: 'Too many subscription changes; try again in a minute.' },
};

async function shopper() {
  const token = (await cookies()).get(SHOPPER_SESSION_COOKIE)?.value;
  return currentShopper(app.store, token);
}

/** The signed-in shopper with a change to spend, `SIGN_IN` without a session, `LIMITED` when spent. */
async function changer(): Promise<{ customerId: string } | ActionResult<never>> {
  const me = await shopper();
  if (!me) return SIGN_IN;
  const decision = await app.klaviyo.limiter.take(`action:subscription:${me.customerId}`, CHANGES);
  return decision.ok ? { customerId: me.customerId } : LIMITED;
}

/** Subscribes the signed-in shopper to `planId` for `variantId` (× `quantity`); records Subscription Started. */
export async function subscribeToPlan(input: unknown) {
  const me = await changer();
  return 'customerId' in me ? subscribe(app.store, me.customerId, input) : me;
}

export async function pauseMySubscription(input: unknown) {
  const me = await changer();
  return 'customerId' in me ? pauseSubscription(app.store, { kind: 'shopper', ...me }, input) : me;
}

export async function resumeMySubscription(input: unknown) {
  const me = await changer();
  return 'customerId' in me ? resumeSubscription(app.store, { kind: 'shopper', ...me }, input) : me;
}

export async function cancelMySubscription(input: unknown) {
  const me = await changer();
  return 'customerId' in me ? cancelSubscription(app.store, { kind: 'shopper', ...me }, input) : me;
}
