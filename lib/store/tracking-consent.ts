import type { Consent } from '../klaviyo-next/onsite/types';

/** The storefront's cookie holding the shopper's answer to the tracking banner. */
export const TRACKING_CONSENT_COOKIE = 'nw_tracking';

/** The cookie's value as the provider's `consent`: no answer yet is `pending`. */
export function consentFromCookie(value: string | undefined): Consent {
  return value === 'granted' || value === 'denied' ? value : 'pending';
}
