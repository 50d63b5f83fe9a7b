'use server';

import { app } from '@/lib/app';
import { backOfficeDenied } from '@/lib/store/back-office-access';
import {
  cancelSubscription as cancel,
  chargeSubscription as charge,
  pauseSubscription as pause,
  resumeSubscription as resume,
} from '@/lib/store/subscriptions/lifecycle';

/*
 * The admin's subscription actions. Server actions are public POST endpoints, so each checks the
 * merchant's session itself, before the input is read; each change commits with its Klaviyo event
 * and profile write (lib/store/subscriptions/lifecycle.ts).
 */
const MERCHANT = { kind: 'merchant' } as const;

/** Pauses an active subscription; records Subscription Paused. */
export async function pauseSubscription(input: unknown) {
  return (await backOfficeDenied()) ?? pause(app.store, MERCHANT, input);
}

/** Resumes a paused subscription; records Subscription Resumed. */
export async function resumeSubscription(input: unknown) {
  return (await backOfficeDenied()) ?? resume(app.store, MERCHANT, input);
}

/** Cancels a subscription for good; records Subscription Cancelled. */
export async function cancelSubscription(input: unknown) {
  return (await backOfficeDenied()) ?? cancel(app.store, MERCHANT, input);
}

/** Charges the next period now (`chargeNumber` names it); records Subscription Renewed. */
export async function chargeSubscription(input: unknown) {
  return (await backOfficeDenied()) ?? charge(app.store, input);
}
