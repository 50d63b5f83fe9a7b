import { z } from 'zod';

// Form fields arrive as strings; a number typed into a form is still a number.
const number = (schema: z.ZodNumber) =>
  z.preprocess((v) => (typeof v === 'string' && v.trim() !== '' ? Number(v) : v), schema);
const optionalText = (max: number) =>
  z.preprocess(
    (v) => (typeof v === 'string' && v.trim() === '' ? undefined : v),
    z.string().trim().max(max).optional(),
  );

const orderId = z.string().regex(/^NW-\d{6,12}$/, 'is not an order number');

/** Lines named once each, with a positive quantity. */
const lineQuantities = z
  .array(
    z.strictObject({
      lineId: z.string().min(1).max(40),
      quantity: number(z.number().int().min(1).max(10_000)),
    }),
  )
  .min(1)
  .max(100)
  .refine((lines) => new Set(lines.map((l) => l.lineId)).size === lines.length, 'names a line twice');

/** A shipment: the lines and quantities in it, or everything still to ship when `lines` is left out. */
export const fulfilInput = z.strictObject({
  orderId,
  lines: lineQuantities.optional(),
  carrier: optionalText(60),
  trackingNumber: optionalText(80),
});

export const cancelInput = z.strictObject({ orderId, reason: optionalText(200) });

/**
 * A refund of an amount, of lines, or both: with lines and no amount, the lines' value is refunded;
 * an amount alone is a goodwill or shipping refund.
 */
export const refundInput = z
  .strictObject({
    orderId,
    amountCents: number(z.number().int().min(1)).optional(),
    lines: lineQuantities.optional(),
    reason: optionalText(200),
  })
  .refine((r) => r.amountCents !== undefined || r.lines !== undefined, {
    path: ['amountCents'],
    message: 'give an amount, lines, or both',
  });
