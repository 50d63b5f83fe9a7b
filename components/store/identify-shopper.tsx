'use client';

import { useEffect, useRef } from 'react';
import { useKlaviyo } from '@/components/klaviyo';

/**
 * Tells klaviyo.js who the signed-in shopper is (once per email per page lifetime), so its browser
 * events land on their profile, where the relay's server copies already go. The email comes from the
 * server's session, never from a form. Calls wait for consent inside the provider.
 */
export function IdentifyShopper({ email }: { email?: string }) {
  const klaviyo = useKlaviyo();
  const identified = useRef<string | undefined>(undefined);
  useEffect(() => {
    if (!email || identified.current === email) return;
    identified.current = email;
    void klaviyo.identify({ email });
  }, [email, klaviyo]);
  return null;
}
