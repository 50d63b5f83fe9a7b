import { z } from 'zod';
import { formNumber as number, optionalFormText as optionalText } from '../form-fields';

export const subscriptionId = z.string().regex(/^SUB-\d{4,12}$/, 'is not a subscription number');

/** A shopper subscribing: the plan and the variant of its product, never a price (the catalog sets it). */
export const subscribeInput = z.strictObject({
  planId: z.string().min(1).max(60),
  variantId: z.string().min(1).max(120),
  quantity: number(z.number().int().min(1).max(10)).default(1),
});

/** Pause, resume or cancel: which subscription, and optionally why. */
export const changeInput = z.strictObject({ subscriptionId, reason: optionalText(200) });

/**
 * A charge of one period: `chargeNumber` is the charge the caller means to make (the page showed
 * `charges_count + 1`), so a double submit or a billing run retried after a crash charges once.
 */
export const chargeInput = z.strictObject({
  subscriptionId,
  chargeNumber: number(z.number().int().min(1).max(100_000)),
});
