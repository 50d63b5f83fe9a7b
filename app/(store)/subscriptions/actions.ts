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

async function shopper() {
  const token = (await cookies()).get(SHOPPER_SESSION_COOKIE)?.value;
  return currentShopper(app.store, token);
}

/** Subscribes the signed-in shopper to `planId` for `variantId` (× `quantity`); records Subscription Started. */
export async function subscribeToPlan(input: unknown) {
  const me = await shopper();
  return me ? subscribe(app.store, me.customerId, input) : SIGN_IN;
}

export async function pauseMySubscription(input: unknown) {
  const me = await shopper();
  return me ? pauseSubscription(app.store, { kind: 'shopper', customerId: me.customerId }, input) : SIGN_IN;
}

export async function resumeMySubscription(input: unknown) {
  const me = await shopper();
  return me ? resumeSubscription(app.store, { kind: 'shopper', customerId: me.customerId }, input) : SIGN_IN;
}

export async function cancelMySubscription(input: unknown) {
  const me = await shopper();
  return me ? cancelSubscription(app.store, { kind: 'shopper', customerId: me.customerId }, input) : SIGN_IN;
}
