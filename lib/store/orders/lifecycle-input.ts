import { z } from 'zod';
import { CARRIER_TRACKING_PAGES } from '../../klaviyo-next/events/orders';
import { formNumber as number, optionalFormText as optionalText } from '../form-fields';

const orderId = z.string().regex(/^NW-\d{6,12}$/, 'is not an order number');

/**
 * How many shipments (or refunds) the order had when the merchant's form was drawn. When given, a
 * change is refused if the order has had another since: a replayed request, a second tab or a
 * colleague's change is not applied on top of what the merchant did not see.
 */
const seen = number(z.number().int().min(0).max(10_000)).optional();

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

const CARRIERS = Object.values(CARRIER_TRACKING_PAGES).map((c) => c.name);

/** A carrier whose tracking page we can link (any case), as its own name spells it ("ups" is UPS). */
const carrier = optionalText(60).transform((name, ctx) => {
  if (name === undefined) return undefined;
  const known = CARRIER_TRACKING_PAGES[name.toLowerCase()];
  if (!known) {
    ctx.addIssue({
      code: 'custom',
      message: `is not a carrier we can link a tracking page for (${CARRIERS.join(', ')})`,
    });
    return z.NEVER;
  }
  return known.name;
});

/** Letters, digits, spaces and dashes, as carriers print them; it goes into the tracking page's address. */
const trackingNumber = optionalText(40).pipe(
  z
    .string()
    .regex(
      /^[A-Za-z0-9][A-Za-z0-9 -]{3,}$/,
      'is not a tracking number (4 to 40 letters, digits, spaces or dashes)',
    )
    .optional(),
);

/**
 * A shipment: the lines and quantities in it, or everything still to ship when `lines` is left out.
 * Carrier and tracking number come together (the TrackingURL of its events is built from both) or
 * not at all (a parcel handed over without tracking).
 */
export const fulfilInput = z
  .strictObject({ orderId, lines: lineQuantities.optional(), carrier, trackingNumber, seen })
  .superRefine((f, ctx) => {
    if (f.carrier && !f.trackingNumber)
      ctx.addIssue({
        code: 'custom',
        path: ['trackingNumber'],
        message: `is needed with the carrier ${f.carrier}`,
      });
    if (f.trackingNumber && !f.carrier)
      ctx.addIssue({ code: 'custom', path: ['carrier'], message: 'is needed with a tracking number' });
  });

/** A carrier's news about one shipment of the order: it has the parcel, or has delivered it. */
export const shipmentInput = z.strictObject({
  orderId,
  fulfillmentId: z.string().regex(/^NW-\d{6,12}-F\d{1,4}$/, 'is not a shipment of an order'),
  status: z.enum(['confirmed', 'delivered']),
});

export const cancelInput = z.strictObject({ orderId, reason: optionalText(200) });

/**
 * A refund of an amount, of lines, or both: with lines and no amount, the lines' value is refunded;
 * an amount alone is a goodwill or shipping refund.
 */
export const refundInput = z
  .strictObject({
    orderId,
    seen,
    amountCents: number(z.number().int().min(1)).optional(),
    lines: lineQuantities.optional(),
    reason: optionalText(200),
  })
  .refine((r) => r.amountCents !== undefined || r.lines !== undefined, {
    path: ['amountCents'],
    message: 'give an amount, lines, or both',
  });
