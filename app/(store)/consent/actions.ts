'use server';

import { cookies } from 'next/headers';
import { env } from '@/lib/env';
import { cookieOptions } from '@/lib/store/cookies';
import { TRACKING_CONSENT_COOKIE } from '@/lib/store/tracking-consent';

/**
 * Remembers the shopper's answer to the cookie banner for six months. httpOnly like the store's other
 * cookies: the server reads it to render the banner (or not) and hand the provider its `consent`.
 */
export async function saveTrackingConsent(choice: unknown): Promise<void> {
  if (choice !== 'granted' && choice !== 'denied') return;
  (await cookies()).set(TRACKING_CONSENT_COOKIE, choice, cookieOptions(180, env().nodeEnv === 'production'));
}
