import { z } from 'zod';

/**
 * Which customer a merchant erases: by id (the customers page's button) or by email (the standalone
 * form). Strict, so nothing else rides along.
 */
export const merchantErasureInput = z
  .strictObject({
    customerId: z.string().trim().min(1, 'is required').max(100).optional(),
    email: z.string().trim().toLowerCase().pipe(z.email('is not an email address').max(254)).optional(),
  })
  .refine((v) => (v.customerId === undefined) !== (v.email === undefined), {
    path: ['customerId'],
    message: 'give either a customer id or an email',
  });

export type MerchantErasureInput = z.infer<typeof merchantErasureInput>;

/**
 * The shopper's own request: she types "erase" to confirm (the form's confirmation box); who she is
 * comes from her session, never from the form.
 */
export const shopperErasureInput = z.strictObject({
  confirm: z.literal('erase', { error: 'type erase to confirm' }),
});
