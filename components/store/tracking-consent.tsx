'use client';

import { createContext, type ReactNode, useCallback, useContext, useMemo, useState } from 'react';
import { type Consent, KlaviyoProvider } from '@/components/klaviyo';
import { ConsentBanner } from './consent-banner';
import { IdentifyShopper } from './identify-shopper';

interface ConsentControls {
  consent: Consent;
  /** Opens the banner again (the footer's "Cookie preferences"). */
  openPreferences: () => void;
}

const ConsentContext = createContext<ConsentControls>({ consent: 'pending', openPreferences: () => {} });
export const useTrackingConsent = () => useContext(ConsentContext);

/**
 * The storefront's Klaviyo wiring: the shopper's answer to the cookie banner is the provider's
 * `consent`, so klaviyo.js is requested only after "Accept", and "Decline" (now or later) switches it
 * off. The answer starts from the server's cookie, so a returning shopper sees no banner flash, and is
 * saved back through a server action.
 */
export function TrackingConsent({
  initial,
  save,
  companyId,
  scriptSrc,
  relayUrl,
  shopperEmail,
  children,
}: {
  initial: Consent;
  save: (choice: 'granted' | 'denied') => Promise<void>;
  companyId: string;
  scriptSrc?: string;
  relayUrl: string;
  shopperEmail?: string;
  children: ReactNode;
}) {
  const [consent, setConsent] = useState<Consent>(initial);
  const [open, setOpen] = useState(initial === 'pending');

  const choose = useCallback(
    (choice: 'granted' | 'denied') => {
      setOpen(false);
      if (choice === 'denied') {
        setConsent(choice); // tracking stops at once
        void save(choice);
        return;
      }
      // The server relay sends nothing until it sees the consent cookie, so tracking starts once the
      // cookie is stored; otherwise the first events would reach the relay without it.
      void save(choice).finally(() => setConsent(choice));
    },
    [save],
  );
  const controls = useMemo(() => ({ consent, openPreferences: () => setOpen(true) }), [consent]);

  return (
    <ConsentContext value={controls}>
      <KlaviyoProvider companyId={companyId} consent={consent} scriptSrc={scriptSrc} relayUrl={relayUrl}>
        <IdentifyShopper email={shopperEmail} />
        {children}
        {open ? <ConsentBanner current={consent} onChoose={choose} onClose={() => setOpen(false)} /> : null}
      </KlaviyoProvider>
    </ConsentContext>
  );
}

/** The footer link that reopens the banner. */
export function CookiePreferencesButton() {
  const { openPreferences } = useTrackingConsent();
  return (
    <button type="button" className="link-button" onClick={openPreferences}>
      Cookie preferences
    </button>
  );
}
