'use client';

import { lazy, type ReactNode, Suspense, useEffect, useState } from 'react';
import { type Consent, OnsiteClient } from '@/lib/klaviyo-next/browser';
import { KlaviyoContext } from './use-klaviyo';

export interface KlaviyoProviderProps {
  /** The six-character public API key (site id). */
  companyId: string;
  /** The shopper's answer; klaviyo.js is requested only once it is `granted`. */
  consent: Consent;
  /**
   * Where klaviyo.js comes from: Klaviyo's URL (docs/klaviyo-notes.md#script-url) by default; the
   * emulator's stand-in in development and tests (`klaviyoScriptUrl` in lib/klaviyo-next/onsite/script-url.ts).
   */
  scriptSrc?: string;
  /** The server relay for browser events (e.g. `/api/klaviyo/track`); none when omitted. */
  relayUrl?: string;
  /** `lazyOnload` keeps klaviyo.js off the critical path, at the cost of identifying `_kx` visitors later. */
  strategy?: 'afterInteractive' | 'lazyOnload';
  children: ReactNode;
}

// next/script is fetched only once consent allows loading klaviyo.js: it is not needed before, and
// leaving it out of the first load keeps the provider within its 2 KB budget (bench/client.ts).
const Script = lazy(() => import('next/script'));

// One client per page lifetime, so a provider that remounts (layouts, StrictMode) keeps the calls waiting
// for consent and never replays what it already sent, as Klaviyo's own Next.js integration registers once
// per page lifetime (docs/klaviyo-notes.md#consent).
let shared: OnsiteClient | undefined;
function clientFor(companyId: string, relayUrl?: string): OnsiteClient {
  if (shared?.companyId !== companyId || shared.relayUrl !== relayUrl)
    shared = new OnsiteClient(companyId, relayUrl);
  return shared;
}

/**
 * Klaviyo onsite tracking for the pages below it. Before consent nothing is installed or requested and
 * calls wait in memory; on consent the pre-load queue is installed, the waiting calls are replayed into
 * it and klaviyo.js is loaded with next/script, rendered only after hydration so the server never emits
 * a preload for it. Withdrawing consent sets `__kla_off`, clears Klaviyo's cookies and storage, and cuts
 * a loaded klaviyo.js off from the page.
 */
export function KlaviyoProvider(props: KlaviyoProviderProps) {
  const { companyId, consent, scriptSrc, relayUrl, strategy = 'afterInteractive', children } = props;
  const client = clientFor(companyId, relayUrl);
  const [requested, setRequested] = useState(false);
  useEffect(() => {
    client.setConsent(consent);
    if (consent === 'granted') setRequested(true);
  }, [client, consent]);
  return (
    <KlaviyoContext value={client}>
      {children}
      {requested && consent === 'granted' ? (
        <Suspense fallback={null}>
          <Script
            src={scriptSrc ?? `https://static.klaviyo.com/onsite/js/${companyId}/klaviyo.js`}
            strategy={strategy}
            onReady={client.onScriptReady}
          />
        </Suspense>
      ) : null}
    </KlaviyoContext>
  );
}
