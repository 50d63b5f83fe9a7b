import { z } from 'zod';
import { CONSENT_DISCLOSURES } from '../consent-disclosures';

/** Where the demo store ships; also the default region for reading a phone number without a +code. */
export const SHIPPING_COUNTRIES = ['US', 'CA', 'GB', 'IE', 'AU', 'NZ', 'DE', 'FR', 'NL'] as const;

// A blank form field arrives as ''; it means "not given", not "given as empty".
const blankToUndefined = (v: unknown) => (typeof v === 'string' && v.trim() === '' ? undefined : v);
const required = (max: number) => z.string().trim().min(1, 'is required').max(max);
const optional = (max: number) => z.preprocess(blankToUndefined, z.string().trim().max(max).optional());

const address = z.strictObject({
  firstName: optional(80),
  lastName: optional(80),
  address1: required(200),
  address2: optional(200),
  city: required(100),
  region: optional(100),
  zip: z
    .string()
    .trim()
    .regex(/^[A-Za-z0-9][A-Za-z0-9 -]{1,10}$/, 'is not a postal code'),
  country: z.preprocess(
    (v) => (typeof v === 'string' ? v.trim().toUpperCase() : v),
    z.enum(SHIPPING_COUNTRIES),
  ),
});

/** A ticked consent box sends the version of the text it showed; a stale version must be agreed again. */
const consentVersion = (channel: keyof typeof CONSENT_DISCLOSURES) =>
  z.preprocess(
    blankToUndefined,
    z
      .literal(CONSENT_DISCLOSURES[channel].version, {
        error: 'The consent text changed since the page loaded; please review it and tick the box again.',
      })
      .optional(),
  );

/**
 * The checkout form. Strict: anything else (a price, a total, a stock count) is refused rather than
 * ignored, so a tampered request fails loudly; prices always come from the catalog.
 */
export const checkoutInput = z.strictObject({
  cartId: z.uuid('is not a cart id'),
  email: z.string().trim().toLowerCase().pipe(z.email('is not an email address').max(254)),
  phone: optional(32),
  firstName: required(80),
  lastName: required(80),
  shippingAddress: address,
  billingAddress: address.optional(),
  marketing: z.strictObject({ email: consentVersion('email'), sms: consentVersion('sms') }).default({}),
});

export type CheckoutInput = z.output<typeof checkoutInput>;
export type CheckoutAddress = z.output<typeof address>;
